package dev.nexus.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.Struct;
import dev.nexus.v1.AllFrom;
import dev.nexus.v1.AppendToStreamResponse;
import dev.nexus.v1.EventFilter;
import dev.nexus.v1.ExecuteRequest;
import dev.nexus.v1.ExecuteResponse;
import dev.nexus.v1.ProposedEvent;
import dev.nexus.v1.RecordedEvent;
import dev.nexus.v1.SubscribeAllRequest;
import dev.nexus.v1.SubscribeAllResponse;
import dev.nexus.v1.SubscribeStreamRequest;
import dev.nexus.v1.SubscribeStreamResponse;
import dev.nexus.v1.WatchDocumentsRequest;
import dev.nexus.v1.WatchEvent;
import com.google.protobuf.Empty;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SDK against a real nexus server (NEXUS_BIN). */
@ExtendWith(NexusClientTest.PrintServerLogOnFailure.class)
class NexusClientTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static NexusServer server;
  private static NexusClient client;

  /** Prints the tail of every server log when a test fails. */
  static final class PrintServerLogOnFailure implements TestWatcher {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      for (NexusServer s : NexusServer.ALL) {
        System.out.println("---- nexus log tail (" + s.name + ", " + s.log + ") ----\n" + s.tail(60));
      }
    }
  }

  @BeforeAll
  static void startServer() throws Exception {
    server = NexusServer.start("shared");
    client = NexusClient.connect(server.target());
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static String newAccount() {
    return "java-" + UUID.randomUUID();
  }

  private static long balanceOf(RecordedEvent event) {
    return (long) Json.struct(event.getData()).getFieldsOrThrow("balance").getNumberValue();
  }

  // ------------------------------------------------------------------ 1. execute

  @Test
  void executeReturnsEventsAndRetriesAreDeduplicated() {
    String id = newAccount();
    NexusClient flow = client.withCorrelation("corr-" + id, "cause-" + id);
    ExecuteResponse opened = flow.execute("account", id, "OpenAccount",
        Map.of("owner", "Alice", "initial_deposit", 100, "currency", "EUR"));
    assertEquals("account-" + id, opened.getStreamId());
    assertEquals(1, opened.getEventsCount());
    assertEquals("AccountOpened", opened.getEvents(0).getEventType());
    assertEquals(0, opened.getRevision());
    assertFalse(opened.getAlreadyExecuted());
    assertFalse(opened.getCommandId().isEmpty(), "the client fills a command id");
    assertEquals("corr-" + id, opened.getCorrelationId());
    assertEquals("corr-" + id, opened.getEvents(0).getMetadata().getCorrelationId());
    assertEquals("cause-" + id, opened.getEvents(0).getMetadata().getCausationId());

    ExecuteRequest deposit = ExecuteRequest.newBuilder()
        .setAggregateType("account").setAggregateId(id).setCommandType("DepositMoney")
        .setPayload(Json.struct(Map.of("amount", 50)))
        .setCommandId("deposit-" + id)
        .build();
    ExecuteResponse first = client.execute(deposit);
    assertEquals(1, first.getRevision());
    assertEquals("MoneyDeposited", first.getEvents(0).getEventType());
    assertEquals(150, balanceOf(first.getEvents(0)));
    assertFalse(first.getAlreadyExecuted());

    ExecuteResponse again = client.executeAsync(deposit).join();
    assertTrue(again.getAlreadyExecuted());
    assertEquals(first.getEvents(0).getEventId(), again.getEvents(0).getEventId());
    assertEquals(1, again.getRevision());
    assertEquals(2, client.readStream("account-" + id).size(), "a repeated command writes nothing");
  }

  // ------------------------------------------------------------------ 2. read

  @Test
  void readStreamReturnsTypesInOrderWithData() {
    String id = newAccount();
    client.execute("account", id, "OpenAccount", Map.of("owner", "Bob", "initial_deposit", 10));
    client.execute("account", id, "DepositMoney", Map.of("amount", 40));
    client.execute("account", id, "WithdrawMoney", Map.of("amount", 30));

    List<RecordedEvent> events = client.readStream("account-" + id);
    assertEquals(List.of("AccountOpened", "MoneyDeposited", "MoneyWithdrawn"),
        events.stream().map(RecordedEvent::getEventType).toList());
    for (int i = 0; i < events.size(); i++) {
      assertEquals(i, events.get(i).getStreamRevision());
      assertEquals("account-" + id, events.get(i).getStreamId());
    }
    assertTrue(events.get(0).getPosition().getGlobalPosition() < events.get(1).getPosition().getGlobalPosition());
    Struct opened = Json.struct(events.get(0).getData());
    assertEquals("Bob", opened.getFieldsOrThrow("owner").getStringValue());
    assertEquals(10, (long) opened.getFieldsOrThrow("initial_deposit").getNumberValue());
    assertEquals(50, balanceOf(events.get(1)));
    assertEquals(20, balanceOf(events.get(2)));
    assertEquals(30, (long) Json.struct(events.get(2).getData()).getFieldsOrThrow("amount").getNumberValue());
  }

  // ------------------------------------------------------------------ 3. subscribe across a restart

  @ParameterizedTest(name = "crash = {0}")
  @ValueSource(booleans = {true, false})
  void subscriptionsAndWatchesResumeAcrossARestart(boolean crash) throws Exception {
    try (NexusServer own = NexusServer.start("restart");
        NexusClient nexus = NexusClient.connect(own.target())) {
      String id = newAccount();
      String stream = "account-" + id;
      nexus.execute("account", id, "OpenAccount", Map.of("owner", "Carol", "initial_deposit", 1));
      nexus.execute("account", id, "DepositMoney", Map.of("amount", 1));
      nexus.execute("account", id, "DepositMoney", Map.of("amount", 1));

      List<RecordedEvent> all = new CopyOnWriteArrayList<>();
      List<RecordedEvent> one = new CopyOnWriteArrayList<>();
      List<WatchEvent> watched = new CopyOnWriteArrayList<>();
      CompletableFuture<Optional<NexusException>> allEnd = new CompletableFuture<>();
      CompletableFuture<Optional<NexusException>> oneEnd = new CompletableFuture<>();
      CompletableFuture<Optional<NexusException>> watchEnd = new CompletableFuture<>();

      try (Subscription<SubscribeAllResponse> subAll = nexus.subscribeAll(SubscribeAllRequest.newBuilder()
              .setFrom(AllFrom.newBuilder().setStart(Empty.getDefaultInstance()))
              .setFilter(EventFilter.newBuilder().addStreamPrefixes(stream))
              .build());
          Subscription<SubscribeStreamResponse> subOne = nexus.subscribeStream(
              SubscribeStreamRequest.newBuilder().setStreamId(stream).build());
          Subscription<WatchEvent> watch = nexus.watchDocuments(WatchDocumentsRequest.newBuilder()
              .setProjection("account-balance").addKeys(stream).build())) {
        subAll.start(m -> { if (m.hasEvent()) all.add(m.getEvent()); }, e -> allEnd.complete(Optional.ofNullable(e)));
        subOne.start(m -> { if (m.hasEvent()) one.add(m.getEvent()); }, e -> oneEnd.complete(Optional.ofNullable(e)));
        watch.start(watched::add, e -> watchEnd.complete(Optional.ofNullable(e)));

        awaitTrue("3 events on both subscriptions", () -> all.size() >= 3 && one.size() >= 3, allEnd, oneEnd);
        awaitTrue("the watched balance 3", () -> lastBalance(watched) == 3, watchEnd);

        own.restart(crash);

        for (int i = 0; i < 3; i++) {
          nexus.execute("account", id, "DepositMoney", Map.of("amount", 1));
        }
        awaitTrue("6 events on both subscriptions", () -> all.size() >= 6 && one.size() >= 6, allEnd, oneEnd);
        // One more, in order after anything a faulty resume could repeat.
        nexus.execute("account", id, "DepositMoney", Map.of("amount", 1));
        awaitTrue("7 events on both subscriptions", () -> all.size() >= 7 && one.size() >= 7, allEnd, oneEnd);
        awaitTrue("the watched balance 7", () -> lastBalance(watched) == 7, watchEnd);

        for (List<RecordedEvent> events : List.of(all, one)) {
          assertEquals(7, events.size(), "every event exactly once: " + revisions(events));
          for (int i = 0; i < 7; i++) {
            assertEquals(i, events.get(i).getStreamRevision(), "in order: " + revisions(events));
          }
        }
        List<RecordedEvent> stored = nexus.readStream(stream);
        assertEquals(stored.stream().map(RecordedEvent::getEventId).toList(),
            all.stream().map(RecordedEvent::getEventId).toList());
        assertTrue(subAll.reconnects() >= 1, "SubscribeAll reconnected");
        assertTrue(subOne.reconnects() >= 1, "SubscribeStream reconnected");
        assertTrue(watch.reconnects() >= 1, "WatchDocuments reconnected");
        assertEquals(stored.get(6).getPosition().getToken(), subAll.resumeToken());
        assertEquals("6", subOne.resumeToken());

        // The watch saw each document version once, in order (the open, then 6 deposits).
        List<Long> versions = new ArrayList<>();
        for (WatchEvent e : watched) {
          if (e.hasReset()) {
            versions.clear();
          } else if (e.hasCurrent()) {
            versions.add(e.getCurrent().getDocument().getVersion());
          } else if (e.hasChange()) {
            versions.add(e.getChange().getDocument().getVersion());
          }
        }
        for (int i = 1; i < versions.size(); i++) {
          assertTrue(versions.get(i) > versions.get(i - 1), "watch versions increase: " + versions);
        }
        assertEquals(7L, versions.get(versions.size() - 1), "watch versions: " + versions);
      }
      // Closing ends the callbacks normally.
      assertEquals(Optional.empty(), allEnd.get(10, TimeUnit.SECONDS));
      assertEquals(Optional.empty(), oneEnd.get(10, TimeUnit.SECONDS));
      assertEquals(Optional.empty(), watchEnd.get(10, TimeUnit.SECONDS));
    }
  }

  private static long lastBalance(List<WatchEvent> watched) {
    for (int i = watched.size() - 1; i >= 0; i--) {
      WatchEvent e = watched.get(i);
      if (e.hasCurrent() && e.getCurrent().getDocument().getBody().containsFields("balance")) {
        return (long) e.getCurrent().getDocument().getBody().getFieldsOrThrow("balance").getNumberValue();
      }
      if (e.hasChange() && e.getChange().getDocument().getBody().containsFields("balance")) {
        return (long) e.getChange().getDocument().getBody().getFieldsOrThrow("balance").getNumberValue();
      }
    }
    return -1;
  }

  private static List<Long> revisions(List<RecordedEvent> events) {
    return events.stream().map(RecordedEvent::getStreamRevision).toList();
  }

  /** Polls until the condition holds; fails at once if a subscription ended, or after WAIT. */
  @SafeVarargs
  private static void awaitTrue(String what, Supplier<Boolean> condition,
      CompletableFuture<Optional<NexusException>>... ends) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.get()) {
      for (CompletableFuture<Optional<NexusException>> end : ends) {
        if (end.isDone()) {
          fail("a subscription ended while waiting for " + what + ": " + end.join().orElse(null));
        }
      }
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  // ------------------------------------------------------------------ 4. watch

  @Test
  void watchSeesAProjectedDeposit() throws Exception {
    String id = newAccount();
    String key = "account-" + id;
    client.execute("account", id, "OpenAccount", Map.of("owner", "Dora", "initial_deposit", 100));
    List<WatchEvent> watched = new CopyOnWriteArrayList<>();
    CompletableFuture<Optional<NexusException>> end = new CompletableFuture<>();
    try (Subscription<WatchEvent> watch = client.watchDocuments(WatchDocumentsRequest.newBuilder()
        .setProjection("account-balance").addKeys(key).build())) {
      watch.start(watched::add, e -> end.complete(Optional.ofNullable(e)));
      awaitTrue("the opened account's document", () -> lastBalance(watched) == 100, end);
      assertTrue(watched.stream().anyMatch(WatchEvent::hasLive) || watched.stream().anyMatch(WatchEvent::hasChange));

      client.execute("account", id, "DepositMoney", Map.of("amount", 25));
      awaitTrue("the deposit's change", () -> lastBalance(watched) == 125, end);
      WatchEvent last = watched.get(watched.size() - 1);
      assertTrue(last.hasChange(), "a change after the snapshot: " + last);
      assertEquals(WatchEvent.Change.Kind.KIND_UPSERT, last.getChange().getKind());
      assertEquals(key, last.getChange().getKey());
      Struct body = last.getChange().getDocument().getBody();
      assertEquals("Dora", body.getFieldsOrThrow("owner").getStringValue());
      assertEquals(1, (long) body.getFieldsOrThrow("transactions").getNumberValue());
      assertFalse(last.getWatchPosition().isEmpty());
      assertEquals(last.getWatchPosition(), watch.resumeToken());
    }
    assertEquals(Optional.empty(), end.get(10, TimeUnit.SECONDS));
  }

  // ------------------------------------------------------------------ 5. typed errors

  @Test
  void wrongExpectedVersionIsAbortedWithItsMetadata() {
    String stream = "java-errors-" + UUID.randomUUID();
    ProposedEvent event = NexusClient.jsonEvent("MoneyDeposited", Map.of("amount", 5, "balance", 5));
    AppendToStreamResponse ok = client.append(stream, NexusClient.expectNoStream(), List.of(event));
    assertEquals(0, ok.getCurrentRevision());

    NexusException e = assertThrows(NexusException.class,
        () -> client.append(stream, NexusClient.expectExact(3), List.of(event)));
    assertEquals(Status.Code.ABORTED, e.code());
    assertEquals("WRONG_EXPECTED_VERSION", e.reason());
    assertEquals("nexus", e.domain());
    assertEquals("0", e.metadata().get("actual_revision"));
    assertEquals("3", e.metadata().get("expected_revision"), "metadata: " + e.metadata());
    assertEquals(stream, e.metadata().get("stream_id"));
    assertTrue(e.retryDelay().isEmpty());

    // The same through Execute's expected_revision, asynchronously.
    String id = newAccount();
    client.execute("account", id, "OpenAccount", Map.of("owner", "Eve", "initial_deposit", 1));
    ExecutionException wrapped = assertThrows(ExecutionException.class, () -> client.executeAsync(
        ExecuteRequest.newBuilder().setAggregateType("account").setAggregateId(id).setCommandType("DepositMoney")
            .setPayload(Json.struct(Map.of("amount", 1))).setExpectedRevision(NexusClient.expectExact(7)).build())
        .get(30, TimeUnit.SECONDS));
    NexusException viaExecute = NexusException.from(wrapped);
    assertEquals(Status.Code.ABORTED, viaExecute.code());
    assertEquals("WRONG_EXPECTED_VERSION", viaExecute.reason());
    assertEquals("0", viaExecute.metadata().get("actual_revision"));
  }

  @Test
  void schemaViolationIsInvalidArgumentWithFieldViolations() {
    String stream = "java-errors-" + UUID.randomUUID();
    NexusException e = assertThrows(NexusException.class, () -> client.append(stream, null,
        List.of(NexusClient.jsonEvent("MoneyDeposited", Map.of("amount", -5, "colour", "red")))));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
    assertEquals("SCHEMA_VIOLATION", e.reason());
    assertFalse(e.fieldViolations().isEmpty(), "field violations: " + e);
    for (NexusException.FieldViolation v : e.fieldViolations()) {
      assertFalse(v.field().isEmpty());
      assertFalse(v.description().isEmpty());
    }
    NexusException missing = assertThrows(NexusException.class, () -> client.readStream(stream));
    assertEquals(Status.Code.NOT_FOUND, missing.code(), "nothing was stored");
  }

  @Test
  void businessRuleRefusalCarriesReasonAndMetadata() {
    String id = newAccount();
    client.execute("account", id, "OpenAccount", Map.of("owner", "Finn", "initial_deposit", 10));
    NexusException e = assertThrows(NexusException.class,
        () -> client.execute("account", id, "WithdrawMoney", Map.of("amount", 1000)));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.code());
    assertEquals("INSUFFICIENT_FUNDS", e.reason());
    assertEquals("10", e.metadata().get("balance"));

    NexusException typo = assertThrows(NexusException.class,
        () -> client.execute("account", id, "WithdrawMoney", Map.of("amont", 1)));
    assertEquals(Status.Code.INVALID_ARGUMENT, typo.code());
    assertTrue(typo.fieldViolations().stream().anyMatch(v -> v.field().equals("payload.amont")),
        "violations: " + typo.fieldViolations());
  }

  // ------------------------------------------------------------------ bearer token

  @Test
  void bearerTokenIsSentOnEveryCall() throws Exception {
    try (NexusServer own = NexusServer.create("jwt", "--auth-mode", "jwt")) {
      java.nio.file.Path secret = own.dir.resolve("jwt.secret");
      java.nio.file.Files.writeString(secret, "a-test-secret-of-at-least-32-bytes-" + UUID.randomUUID());
      java.nio.file.Files.writeString(own.dir.resolve("nexus.toml"), String.join("\n",
          "[auth]", "mode = \"jwt\"",
          "[auth.jwt]", "hs256_secret_file = \"" + secret + "\"", "issuer = \"nexus-dev\"", "audience = \"nexus\"", ""));
      String token = NexusServer.run("auth", "token", "--secret-file", secret.toString(), "--sub", "alice",
          "--roles", "admin");
      own.launch();
      String id = newAccount();
      try (NexusClient anonymous = NexusClient.connect(own.target());
          NexusClient alice = NexusClient.builder(own.target()).token(token).build()) {
        NexusException e = assertThrows(NexusException.class,
            () -> anonymous.execute("account", id, "OpenAccount", Map.of("owner", "Gus", "initial_deposit", 1)));
        assertEquals(Status.Code.UNAUTHENTICATED, e.code());
        ExecuteResponse opened = alice.execute("account", id, "OpenAccount", Map.of("owner", "Gus", "initial_deposit", 1));
        assertEquals("alice", opened.getEvents(0).getMetadata().getUserId());
        List<RecordedEvent> read = alice.readStream("account-" + id);
        assertEquals(1, read.size());
        // Generated stubs on channel() carry the token too.
        assertEquals(1, dev.nexus.v1.EventStoreServiceGrpc.newBlockingStub(alice.channel())
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .readStream(dev.nexus.v1.ReadStreamRequest.newBuilder().setStreamId("account-" + id).build())
            .getEventsCount());
      }
    }
  }

  // ------------------------------------------------------------------ retries

  @Test
  void appendRetriesAreIdempotentByEventId() {
    String stream = "java-append-" + UUID.randomUUID();
    ProposedEvent event = NexusClient.jsonEvent("MoneyDeposited", Map.of("amount", 1, "balance", 1)).toBuilder()
        .setEventId(UUID.randomUUID().toString()).build();
    AppendToStreamResponse first = client.append(stream, NexusClient.expectNoStream(), List.of(event));
    AppendToStreamResponse again = client.append(stream, NexusClient.expectNoStream(), List.of(event));
    assertFalse(first.getAlreadyAppended());
    assertTrue(again.getAlreadyAppended());
    assertEquals(first.getLastPosition(), again.getLastPosition());
    assertEquals(1, client.readStream(stream).size());
  }

  @Test
  void unavailableIsRetriedBoundedAndThenTyped() throws Exception {
    // A port nobody listens on: every attempt is UNAVAILABLE.
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    try (NexusClient down = NexusClient.builder("127.0.0.1:" + port)
        .retryPolicy(RetryPolicy.defaults().withMaxAttempts(3).withBackoff(Duration.ofMillis(10), Duration.ofMillis(50)))
        .build()) {
      long start = System.nanoTime();
      NexusException e = assertThrows(NexusException.class, down::listAggregateTypes);
      assertEquals(Status.Code.UNAVAILABLE, e.code());
      assertNotNull(e.getMessage());
      assertTrue(System.nanoTime() - start < WAIT.toNanos());
    }
    RetryPolicy policy = RetryPolicy.defaults();
    NexusException conflict = new NexusException(Status.Code.ABORTED, "conflict", "WRONG_EXPECTED_VERSION",
        "nexus", Map.of(), List.of(), null, null);
    NexusException throttled = new NexusException(Status.Code.RESOURCE_EXHAUSTED, "slow down", "RATE_LIMITED",
        "nexus", Map.of(), List.of(), Duration.ofMillis(1500), null);
    assertFalse(policy.isRetryable(conflict));
    assertTrue(policy.isRetryable(throttled));
    assertEquals(Duration.ofMillis(1500), policy.delay(1, throttled));
    Duration backoff = policy.delay(3, conflict);
    assertTrue(backoff.compareTo(Duration.ofMillis(200)) >= 0 && backoff.compareTo(Duration.ofMillis(400)) <= 0,
        "jittered third backoff: " + backoff);
  }
}
