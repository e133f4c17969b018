package dev.nexus.sdk;

import dev.nexus.v1.AllFrom;
import dev.nexus.v1.AppendToStreamRequest;
import dev.nexus.v1.AppendToStreamResponse;
import dev.nexus.v1.CommandServiceGrpc;
import dev.nexus.v1.EventMetadata;
import dev.nexus.v1.EventStoreServiceGrpc;
import dev.nexus.v1.ExecuteRequest;
import dev.nexus.v1.ExecuteResponse;
import dev.nexus.v1.ExpectedRevision;
import dev.nexus.v1.GetDocumentRequest;
import dev.nexus.v1.GetDocumentResponse;
import dev.nexus.v1.ListAggregateTypesRequest;
import dev.nexus.v1.ListAggregateTypesResponse;
import dev.nexus.v1.ProposedEvent;
import dev.nexus.v1.QueryServiceGrpc;
import dev.nexus.v1.ReadAllRequest;
import dev.nexus.v1.ReadAllResponse;
import dev.nexus.v1.ReadStreamRequest;
import dev.nexus.v1.ReadStreamResponse;
import dev.nexus.v1.RecordedEvent;
import dev.nexus.v1.SearchRequest;
import dev.nexus.v1.SearchResponse;
import dev.nexus.v1.StreamFrom;
import dev.nexus.v1.SubscribeAllRequest;
import dev.nexus.v1.SubscribeAllResponse;
import dev.nexus.v1.SubscribeStreamRequest;
import dev.nexus.v1.SubscribeStreamResponse;
import dev.nexus.v1.WatchDocumentsRequest;
import dev.nexus.v1.WatchDocumentsResponse;
import dev.nexus.v1.WatchEvent;
import dev.nexus.v1.WatchQueryRequest;
import dev.nexus.v1.WatchQueryResponse;
import com.google.protobuf.Empty;
import com.google.protobuf.Struct;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A Nexus client: one HTTP/2 connection, the bearer token on every call, a deadline on every
 * unary call, typed errors ({@link NexusException}), retries of the calls that are safe to retry
 * ({@link RetryPolicy}), correlation ids, and subscriptions and watches that resume after a
 * disconnect ({@link Subscription}).
 *
 * <pre>{@code
 * try (NexusClient nexus = NexusClient.builder("127.0.0.1:50051").build()) {
 *   ExecuteResponse r = nexus.execute("account", "acc-1", "OpenAccount",
 *       Map.of("owner", "Alice", "initial_deposit", 100));
 * }
 * }</pre>
 *
 * <p>Every call has a blocking form and an {@code ...Async} form returning a {@link
 * CompletableFuture} that fails with a {@link NexusException}. Instances are immutable and
 * thread-safe; {@link #withDeadline}, {@link #withRetryPolicy} and {@link #withCorrelation}
 * derive clients that share the connection. For calls this layer does not wrap, use the
 * generated stubs on {@link #channel()} (it carries the token), or {@link #call} / {@link
 * #callAsync} with any generated {@code get...Method()}.
 */
public final class NexusClient implements AutoCloseable {
  /** Deadline of unary calls unless changed: 10 seconds. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

  /** Reconnect policy of subscriptions unless changed: 30 tries in a row, backoff 100 ms..5 s. */
  public static final RetryPolicy DEFAULT_RECONNECT_POLICY =
      RetryPolicy.defaults().withMaxAttempts(30).withBackoff(Duration.ofMillis(100), Duration.ofSeconds(5));

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** Connection state shared by derived clients. */
  private static final class Shared {
    final ManagedChannel managed;
    final Channel channel;
    final ScheduledExecutorService scheduler;

    Shared(ManagedChannel managed, Channel channel) {
      this.managed = managed;
      this.channel = channel;
      this.scheduler =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "nexus-retry");
                t.setDaemon(true);
                return t;
              });
    }
  }

  private final Shared shared;
  private final boolean owner;
  private final Duration deadline;
  private final RetryPolicy retryPolicy;
  private final RetryPolicy reconnectPolicy;
  private final boolean autoCommandId;
  private final String correlationId;
  private final String causationId;

  private NexusClient(
      Shared shared,
      boolean owner,
      Duration deadline,
      RetryPolicy retryPolicy,
      RetryPolicy reconnectPolicy,
      boolean autoCommandId,
      String correlationId,
      String causationId) {
    this.shared = shared;
    this.owner = owner;
    this.deadline = deadline;
    this.retryPolicy = retryPolicy;
    this.reconnectPolicy = reconnectPolicy;
    this.autoCommandId = autoCommandId;
    this.correlationId = correlationId;
    this.causationId = causationId;
  }

  /** A builder for a server at {@code target}, for example {@code "127.0.0.1:50051"}. */
  public static Builder builder(String target) {
    return new Builder(target);
  }

  /** A plaintext client for {@code target} with the defaults. */
  public static NexusClient connect(String target) {
    return builder(target).build();
  }

  /** Options of a {@link NexusClient}. */
  public static final class Builder {
    private final String target;
    private ChannelCredentials credentials = InsecureChannelCredentials.create();
    private String token;
    private Duration deadline = DEFAULT_DEADLINE;
    private RetryPolicy retryPolicy = RetryPolicy.defaults();
    private RetryPolicy reconnectPolicy = DEFAULT_RECONNECT_POLICY;
    private boolean autoCommandId = true;
    private int maxInboundMessageSize = 64 * 1024 * 1024;

    private Builder(String target) {
      this.target = Objects.requireNonNull(target, "target");
    }

    /** Plaintext HTTP/2 (the default). */
    public Builder plaintext() {
      credentials = InsecureChannelCredentials.create();
      return this;
    }

    /** TLS, trusting the system's CA certificates. */
    public Builder tls() {
      credentials = TlsChannelCredentials.create();
      return this;
    }

    /** TLS, trusting the CA certificate(s) of a PEM file. */
    public Builder tls(Path caCertificatePem) {
      try {
        credentials = TlsChannelCredentials.newBuilder().trustManager(caCertificatePem.toFile()).build();
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the CA certificate " + caCertificatePem, e);
      }
      return this;
    }

    /** Any channel credentials (for example mutual TLS with a client certificate). */
    public Builder credentials(ChannelCredentials credentials) {
      this.credentials = Objects.requireNonNull(credentials);
      return this;
    }

    /** Sends {@code authorization: Bearer <token>} with every call (null: none). */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /** Deadline of each attempt of a unary call (default 10 s). */
    public Builder deadline(Duration deadline) {
      this.deadline = Objects.requireNonNull(deadline);
      return this;
    }

    /** Retries of unary calls (default {@link RetryPolicy#defaults()}). */
    public Builder retryPolicy(RetryPolicy policy) {
      this.retryPolicy = Objects.requireNonNull(policy);
      return this;
    }

    /** Reconnects of subscriptions and watches (default {@link #DEFAULT_RECONNECT_POLICY}). */
    public Builder reconnectPolicy(RetryPolicy policy) {
      this.reconnectPolicy = Objects.requireNonNull(policy);
      return this;
    }

    /**
     * Whether {@code execute} fills a missing {@code command_id} with a random UUID (default
     * true), which makes the command safe to retry. When false, a command without an id is
     * never retried.
     */
    public Builder autoCommandId(boolean enabled) {
      this.autoCommandId = enabled;
      return this;
    }

    /** Largest response accepted (default 64 MiB). */
    public Builder maxInboundMessageSize(int bytes) {
      this.maxInboundMessageSize = bytes;
      return this;
    }

    /** Creates the client; the connection is made lazily by the first call. */
    public NexusClient build() {
      ManagedChannel managed =
          Grpc.newChannelBuilder(target, credentials).maxInboundMessageSize(maxInboundMessageSize).build();
      Channel channel = managed;
      if (token != null && !token.isEmpty()) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token);
        channel = ClientInterceptors.intercept(managed, MetadataUtils.newAttachHeadersInterceptor(headers));
      }
      return new NexusClient(
          new Shared(managed, channel), true, deadline, retryPolicy, reconnectPolicy, autoCommandId, null, null);
    }
  }

  // ---------------------------------------------------------------- derived clients

  /** The same client with another per-attempt deadline for unary calls. */
  public NexusClient withDeadline(Duration deadline) {
    return new NexusClient(shared, false, Objects.requireNonNull(deadline), retryPolicy, reconnectPolicy,
        autoCommandId, correlationId, causationId);
  }

  /** The same client with another retry policy for unary calls. */
  public NexusClient withRetryPolicy(RetryPolicy policy) {
    return new NexusClient(shared, false, deadline, Objects.requireNonNull(policy), reconnectPolicy,
        autoCommandId, correlationId, causationId);
  }

  /**
   * The same client stamping correlation and causation ids (either may be null) on the commands
   * it executes and on the events it appends, where the request does not set them itself.
   */
  public NexusClient withCorrelation(String correlationId, String causationId) {
    return new NexusClient(shared, false, deadline, retryPolicy, reconnectPolicy, autoCommandId,
        correlationId, causationId);
  }

  /**
   * The same client acting in reaction to {@code event}: its correlation id continues the
   * event's, and its causation id is the event's id.
   */
  public NexusClient causedBy(RecordedEvent event) {
    String correlation = event.getMetadata().getCorrelationId();
    return withCorrelation(correlation.isEmpty() ? null : correlation, event.getEventId());
  }

  /** The channel, carrying the bearer token: build generated stubs on it for other calls. */
  public Channel channel() {
    return shared.channel;
  }

  /** The generated CommandService stub (no retries; deadlines are yours). */
  public CommandServiceGrpc.CommandServiceBlockingStub commands() {
    return CommandServiceGrpc.newBlockingStub(shared.channel);
  }

  /** The generated EventStoreService stub (no retries; deadlines are yours). */
  public EventStoreServiceGrpc.EventStoreServiceBlockingStub eventStore() {
    return EventStoreServiceGrpc.newBlockingStub(shared.channel);
  }

  /** The generated QueryService stub (no retries; deadlines are yours). */
  public QueryServiceGrpc.QueryServiceBlockingStub queries() {
    return QueryServiceGrpc.newBlockingStub(shared.channel);
  }

  /**
   * Closes the connection. On a derived client ({@code with...}) this does nothing: close the
   * one you built.
   */
  @Override
  public void close() {
    if (!owner) {
      return;
    }
    shared.scheduler.shutdownNow();
    shared.managed.shutdown();
    try {
      if (!shared.managed.awaitTermination(5, TimeUnit.SECONDS)) {
        shared.managed.shutdownNow();
      }
    } catch (InterruptedException e) {
      shared.managed.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- commands

  /**
   * Executes a command. A missing {@code command_id} is filled with a random UUID (unless
   * disabled in the builder), which makes the call safe to retry: a repeat returns the first
   * execution's events with {@code already_executed}. Correlation and causation ids of {@link
   * #withCorrelation} fill the request's when it has none.
   */
  public CompletableFuture<ExecuteResponse> executeAsync(ExecuteRequest request) {
    ExecuteRequest.Builder b = request.toBuilder();
    if (b.getCommandId().isEmpty() && autoCommandId) {
      b.setCommandId(UUID.randomUUID().toString());
    }
    if (b.getCorrelationId().isEmpty() && correlationId != null) {
      b.setCorrelationId(correlationId);
    }
    if (b.getCausationId().isEmpty() && causationId != null) {
      b.setCausationId(causationId);
    }
    ExecuteRequest prepared = b.build();
    return callAsync(CommandServiceGrpc.getExecuteMethod(), prepared, !prepared.getCommandId().isEmpty());
  }

  /** Blocking {@link #executeAsync(ExecuteRequest)}. */
  public ExecuteResponse execute(ExecuteRequest request) {
    return await(executeAsync(request));
  }

  /** Executes a command with a payload of strings, numbers, booleans, maps and lists. */
  public ExecuteResponse execute(String aggregateType, String aggregateId, String commandType, Map<String, ?> payload) {
    return execute(aggregateType, aggregateId, commandType, Json.struct(payload));
  }

  /** Executes a command with a Struct payload. */
  public ExecuteResponse execute(String aggregateType, String aggregateId, String commandType, Struct payload) {
    return execute(
        ExecuteRequest.newBuilder()
            .setAggregateType(aggregateType)
            .setAggregateId(aggregateId)
            .setCommandType(commandType)
            .setPayload(payload)
            .build());
  }

  /** The aggregate types the server handles (retried). */
  public ListAggregateTypesResponse listAggregateTypes() {
    return call(CommandServiceGrpc.getListAggregateTypesMethod(), ListAggregateTypesRequest.getDefaultInstance(), true);
  }

  // ---------------------------------------------------------------- event store

  /**
   * Appends events. Every event without an {@code event_id} gets a random UUID here, once,
   * before the first attempt, so the retries this client makes are deduplicated by the server
   * (a repeat answers {@code already_appended}). Correlation and causation ids of {@link
   * #withCorrelation} fill the events' metadata where it has none.
   */
  public CompletableFuture<AppendToStreamResponse> appendAsync(AppendToStreamRequest request) {
    AppendToStreamRequest.Builder b = request.toBuilder();
    for (ProposedEvent.Builder event : b.getEventsBuilderList()) {
      if (event.getEventId().isEmpty()) {
        event.setEventId(UUID.randomUUID().toString());
      }
      if (correlationId != null || causationId != null) {
        EventMetadata.Builder metadata = event.getMetadataBuilder();
        if (metadata.getCorrelationId().isEmpty() && correlationId != null) {
          metadata.setCorrelationId(correlationId);
        }
        if (metadata.getCausationId().isEmpty() && causationId != null) {
          metadata.setCausationId(causationId);
        }
      }
    }
    return callAsync(EventStoreServiceGrpc.getAppendToStreamMethod(), b.build(), true);
  }

  /** Blocking {@link #appendAsync(AppendToStreamRequest)}. */
  public AppendToStreamResponse append(AppendToStreamRequest request) {
    return await(appendAsync(request));
  }

  /** Appends events to a stream; {@code expected} may be null (any). */
  public AppendToStreamResponse append(String streamId, ExpectedRevision expected, List<ProposedEvent> events) {
    AppendToStreamRequest.Builder b = AppendToStreamRequest.newBuilder().setStreamId(streamId).addAllEvents(events);
    if (expected != null) {
      b.setExpectedRevision(expected);
    }
    return append(b.build());
  }

  /** A JSON event of a type (its id is filled when appended). */
  public static ProposedEvent jsonEvent(String eventType, Map<String, ?> data) {
    return ProposedEvent.newBuilder()
        .setEventType(eventType)
        .setContentType("application/json")
        .setData(Json.bytes(data))
        .build();
  }

  /** Expected revision: the stream's last event has exactly this revision. */
  public static ExpectedRevision expectExact(long revision) {
    return ExpectedRevision.newBuilder().setExact(revision).build();
  }

  /** Expected revision: the stream does not exist yet. */
  public static ExpectedRevision expectNoStream() {
    return ExpectedRevision.newBuilder().setNoStream(Empty.getDefaultInstance()).build();
  }

  /** Expected revision: the stream exists. */
  public static ExpectedRevision expectStreamExists() {
    return ExpectedRevision.newBuilder().setStreamExists(Empty.getDefaultInstance()).build();
  }

  /** Reads one page of a stream (retried). */
  public CompletableFuture<ReadStreamResponse> readStreamAsync(ReadStreamRequest request) {
    return callAsync(EventStoreServiceGrpc.getReadStreamMethod(), request, true);
  }

  /** Blocking {@link #readStreamAsync}. */
  public ReadStreamResponse readStream(ReadStreamRequest request) {
    return await(readStreamAsync(request));
  }

  /** Reads a whole stream forwards, page by page. */
  public List<RecordedEvent> readStream(String streamId) {
    List<RecordedEvent> events = new ArrayList<>();
    ReadStreamRequest.Builder request = ReadStreamRequest.newBuilder().setStreamId(streamId).setPageSize(1000);
    while (true) {
      ReadStreamResponse page = readStream(request.build());
      events.addAll(page.getEventsList());
      if (!page.hasNextRevision() || page.getEventsCount() == 0) {
        return events;
      }
      request.setFromRevision(page.getNextRevision());
    }
  }

  /** Reads one page of the global log (retried). */
  public CompletableFuture<ReadAllResponse> readAllAsync(ReadAllRequest request) {
    return callAsync(EventStoreServiceGrpc.getReadAllMethod(), request, true);
  }

  /** Blocking {@link #readAllAsync}. */
  public ReadAllResponse readAll(ReadAllRequest request) {
    return await(readAllAsync(request));
  }

  // ---------------------------------------------------------------- queries

  /** One document by key (retried). */
  public CompletableFuture<GetDocumentResponse> getDocumentAsync(GetDocumentRequest request) {
    return callAsync(QueryServiceGrpc.getGetDocumentMethod(), request, true);
  }

  /** Blocking {@link #getDocumentAsync}. */
  public GetDocumentResponse getDocument(GetDocumentRequest request) {
    return await(getDocumentAsync(request));
  }

  /** A search (retried). */
  public CompletableFuture<SearchResponse> searchAsync(SearchRequest request) {
    return callAsync(QueryServiceGrpc.getSearchMethod(), request, true);
  }

  /** Blocking {@link #searchAsync}. */
  public SearchResponse search(SearchRequest request) {
    return await(searchAsync(request));
  }

  // ---------------------------------------------------------------- subscriptions

  /**
   * Subscribes to the global log: history from {@code request.from}, CaughtUp, then live
   * events, Checkpoints meanwhile. After a disconnect it resumes with {@code from.after} = the
   * last position token received. Nothing is sent until the first {@code hasNext()} or {@link
   * Subscription#start}.
   */
  public Subscription<SubscribeAllResponse> subscribeAll(SubscribeAllRequest request) {
    return new Subscription<>(
        token -> {
          SubscribeAllRequest r = token == null
              ? request
              : request.toBuilder().setFrom(AllFrom.newBuilder().setAfter(token)).build();
          return stream(EventStoreServiceGrpc.getSubscribeAllMethod(), r);
        },
        NexusClient::positionOf,
        null,
        reconnectPolicy,
        shared.managed::resetConnectBackoff);
  }

  /**
   * Subscribes to one stream: history from {@code request.from}, CaughtUp, then live events and
   * heartbeats. After a disconnect it resumes with {@code from.after_revision} = the revision of
   * the last event received ({@link Subscription#resumeToken()} holds it in decimal).
   */
  public Subscription<SubscribeStreamResponse> subscribeStream(SubscribeStreamRequest request) {
    return new Subscription<>(
        token -> {
          SubscribeStreamRequest r = token == null
              ? request
              : request.toBuilder()
                  .setFrom(StreamFrom.newBuilder().setAfterRevision(Long.parseUnsignedLong(token)))
                  .build();
          return stream(EventStoreServiceGrpc.getSubscribeStreamMethod(), r);
        },
        m -> m.hasEvent() ? Long.toUnsignedString(m.getEvent().getStreamRevision()) : null,
        null,
        reconnectPolicy,
        shared.managed::resetConnectBackoff);
  }

  /**
   * Watches documents by key: Current documents, Live, then a Change per write. After a
   * disconnect it resumes with {@code resume_after} = the last {@code watch_position} received
   * (the server answers with only the later changes, or with Reset and a new snapshot).
   */
  public Subscription<WatchEvent> watchDocuments(WatchDocumentsRequest request) {
    return new Subscription<>(
        token -> {
          WatchDocumentsRequest r = token == null ? request : request.toBuilder().setResumeAfter(token).build();
          Iterator<WatchDocumentsResponse> it = stream(QueryServiceGrpc.getWatchDocumentsMethod(), r);
          return map(it, WatchDocumentsResponse::getEvent);
        },
        WatchEvent::getWatchPosition,
        request.getResumeAfter().isEmpty() ? null : request.getResumeAfter(),
        reconnectPolicy,
        shared.managed::resetConnectBackoff);
  }

  /** Watches the documents matching a query; resumes like {@link #watchDocuments}. */
  public Subscription<WatchEvent> watchQuery(WatchQueryRequest request) {
    return new Subscription<>(
        token -> {
          WatchQueryRequest r = token == null ? request : request.toBuilder().setResumeAfter(token).build();
          Iterator<WatchQueryResponse> it = stream(QueryServiceGrpc.getWatchQueryMethod(), r);
          return map(it, WatchQueryResponse::getEvent);
        },
        WatchEvent::getWatchPosition,
        request.getResumeAfter().isEmpty() ? null : request.getResumeAfter(),
        reconnectPolicy,
        shared.managed::resetConnectBackoff);
  }

  private static String positionOf(SubscribeAllResponse m) {
    return switch (m.getContentCase()) {
      case EVENT -> m.getEvent().getPosition().getToken();
      case CHECKPOINT -> m.getCheckpoint().getPosition().getToken();
      case CAUGHT_UP -> m.getCaughtUp().getPosition().getToken();
      default -> null;
    };
  }

  private <Req, Resp> Iterator<Resp> stream(MethodDescriptor<Req, Resp> method, Req request) {
    return ClientCalls.blockingServerStreamingCall(shared.channel, method, CallOptions.DEFAULT, request);
  }

  private static <A, B> Iterator<B> map(Iterator<A> it, java.util.function.Function<A, B> f) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public B next() {
        return f.apply(it.next());
      }
    };
  }

  // ---------------------------------------------------------------- generic calls

  /**
   * Any unary call with this client's token, deadline and typed errors; retried by the {@link
   * RetryPolicy} only if {@code safeToRetry} (a read, or a write made idempotent by its ids).
   */
  public <Req, Resp> CompletableFuture<Resp> callAsync(MethodDescriptor<Req, Resp> method, Req request, boolean safeToRetry) {
    CompletableFuture<Resp> result = new CompletableFuture<>();
    attempt(method, request, safeToRetry ? retryPolicy : RetryPolicy.none(), 1, result);
    return result;
  }

  /** Blocking {@link #callAsync}. */
  public <Req, Resp> Resp call(MethodDescriptor<Req, Resp> method, Req request, boolean safeToRetry) {
    return await(callAsync(method, request, safeToRetry));
  }

  private <Req, Resp> void attempt(
      MethodDescriptor<Req, Resp> method, Req request, RetryPolicy policy, int attempt, CompletableFuture<Resp> result) {
    if (result.isDone()) {
      return;
    }
    ClientCall<Req, Resp> call =
        shared.channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
    result.whenComplete((r, t) -> {
      if (result.isCancelled()) {
        call.cancel("cancelled by the caller", null);
      }
    });
    ClientCalls.asyncUnaryCall(call, request, new StreamObserver<>() {
      private Resp response;

      @Override
      public void onNext(Resp value) {
        response = value;
      }

      @Override
      public void onError(Throwable t) {
        NexusException error = NexusException.from(t);
        if (attempt < policy.maxAttempts() && policy.isRetryable(error) && !result.isDone()) {
          Duration delay = policy.delay(attempt, error);
          try {
            shared.scheduler.schedule(
                () -> attempt(method, request, policy, attempt + 1, result), delay.toNanos(), TimeUnit.NANOSECONDS);
            return;
          } catch (java.util.concurrent.RejectedExecutionException closed) {
            // The client is closed: report the error as is.
          }
        }
        result.completeExceptionally(error);
      }

      @Override
      public void onCompleted() {
        result.complete(response);
      }
    });
  }

  /** Waits for a future of this client, throwing its {@link NexusException}. */
  public static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      NexusException error = NexusException.from(e.getCause());
      // Rethrow with the caller's stack, keeping the decoded details.
      NexusException here = new NexusException(error.code(), error.description(), error.reason(), error.domain(),
          error.metadata(), error.fieldViolations(), error.retryDelay().orElse(null), error);
      throw here;
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new NexusException(Status.Code.CANCELLED, "interrupted", e);
    } catch (java.util.concurrent.CancellationException e) {
      throw new NexusException(Status.Code.CANCELLED, "cancelled", e);
    }
  }
}
