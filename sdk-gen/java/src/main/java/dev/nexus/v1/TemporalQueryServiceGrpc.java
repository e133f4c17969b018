package dev.nexus.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Temporal queries: the past state of aggregates and projection documents,
 * and the events of a stream between two times. They replay history, so
 * they are rate limited per principal: by default 10 calls per minute over
 * the three RPCs together, configurable per role (docs/TEMPORAL.md). A call
 * over the limit is RESOURCE_EXHAUSTED with reason RATE_LIMITED and a
 * google.rpc.RetryInfo whose retry_delay is the time until a call will be
 * accepted again. Denied and malformed calls do not count.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class TemporalQueryServiceGrpc {

  private TemporalQueryServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "nexus.v1.TemporalQueryService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.GetAggregateStateAtRequest,
      dev.nexus.v1.GetAggregateStateAtResponse> getGetAggregateStateAtMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetAggregateStateAt",
      requestType = dev.nexus.v1.GetAggregateStateAtRequest.class,
      responseType = dev.nexus.v1.GetAggregateStateAtResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.GetAggregateStateAtRequest,
      dev.nexus.v1.GetAggregateStateAtResponse> getGetAggregateStateAtMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.GetAggregateStateAtRequest, dev.nexus.v1.GetAggregateStateAtResponse> getGetAggregateStateAtMethod;
    if ((getGetAggregateStateAtMethod = TemporalQueryServiceGrpc.getGetAggregateStateAtMethod) == null) {
      synchronized (TemporalQueryServiceGrpc.class) {
        if ((getGetAggregateStateAtMethod = TemporalQueryServiceGrpc.getGetAggregateStateAtMethod) == null) {
          TemporalQueryServiceGrpc.getGetAggregateStateAtMethod = getGetAggregateStateAtMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.GetAggregateStateAtRequest, dev.nexus.v1.GetAggregateStateAtResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetAggregateStateAt"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetAggregateStateAtRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetAggregateStateAtResponse.getDefaultInstance()))
              .setSchemaDescriptor(new TemporalQueryServiceMethodDescriptorSupplier("GetAggregateStateAt"))
              .build();
        }
      }
    }
    return getGetAggregateStateAtMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ReadStreamBetweenRequest,
      dev.nexus.v1.ReadStreamBetweenResponse> getReadStreamBetweenMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ReadStreamBetween",
      requestType = dev.nexus.v1.ReadStreamBetweenRequest.class,
      responseType = dev.nexus.v1.ReadStreamBetweenResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ReadStreamBetweenRequest,
      dev.nexus.v1.ReadStreamBetweenResponse> getReadStreamBetweenMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ReadStreamBetweenRequest, dev.nexus.v1.ReadStreamBetweenResponse> getReadStreamBetweenMethod;
    if ((getReadStreamBetweenMethod = TemporalQueryServiceGrpc.getReadStreamBetweenMethod) == null) {
      synchronized (TemporalQueryServiceGrpc.class) {
        if ((getReadStreamBetweenMethod = TemporalQueryServiceGrpc.getReadStreamBetweenMethod) == null) {
          TemporalQueryServiceGrpc.getReadStreamBetweenMethod = getReadStreamBetweenMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ReadStreamBetweenRequest, dev.nexus.v1.ReadStreamBetweenResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ReadStreamBetween"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ReadStreamBetweenRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ReadStreamBetweenResponse.getDefaultInstance()))
              .setSchemaDescriptor(new TemporalQueryServiceMethodDescriptorSupplier("ReadStreamBetween"))
              .build();
        }
      }
    }
    return getReadStreamBetweenMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.GetDocumentAtRequest,
      dev.nexus.v1.GetDocumentAtResponse> getGetDocumentAtMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetDocumentAt",
      requestType = dev.nexus.v1.GetDocumentAtRequest.class,
      responseType = dev.nexus.v1.GetDocumentAtResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.GetDocumentAtRequest,
      dev.nexus.v1.GetDocumentAtResponse> getGetDocumentAtMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.GetDocumentAtRequest, dev.nexus.v1.GetDocumentAtResponse> getGetDocumentAtMethod;
    if ((getGetDocumentAtMethod = TemporalQueryServiceGrpc.getGetDocumentAtMethod) == null) {
      synchronized (TemporalQueryServiceGrpc.class) {
        if ((getGetDocumentAtMethod = TemporalQueryServiceGrpc.getGetDocumentAtMethod) == null) {
          TemporalQueryServiceGrpc.getGetDocumentAtMethod = getGetDocumentAtMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.GetDocumentAtRequest, dev.nexus.v1.GetDocumentAtResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetDocumentAt"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetDocumentAtRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetDocumentAtResponse.getDefaultInstance()))
              .setSchemaDescriptor(new TemporalQueryServiceMethodDescriptorSupplier("GetDocumentAt"))
              .build();
        }
      }
    }
    return getGetDocumentAtMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static TemporalQueryServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<TemporalQueryServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<TemporalQueryServiceStub>() {
        @java.lang.Override
        public TemporalQueryServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new TemporalQueryServiceStub(channel, callOptions);
        }
      };
    return TemporalQueryServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static TemporalQueryServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<TemporalQueryServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<TemporalQueryServiceBlockingV2Stub>() {
        @java.lang.Override
        public TemporalQueryServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new TemporalQueryServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return TemporalQueryServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static TemporalQueryServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<TemporalQueryServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<TemporalQueryServiceBlockingStub>() {
        @java.lang.Override
        public TemporalQueryServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new TemporalQueryServiceBlockingStub(channel, callOptions);
        }
      };
    return TemporalQueryServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static TemporalQueryServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<TemporalQueryServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<TemporalQueryServiceFutureStub>() {
        @java.lang.Override
        public TemporalQueryServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new TemporalQueryServiceFutureStub(channel, callOptions);
        }
      };
    return TemporalQueryServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Temporal queries: the past state of aggregates and projection documents,
   * and the events of a stream between two times. They replay history, so
   * they are rate limited per principal: by default 10 calls per minute over
   * the three RPCs together, configurable per role (docs/TEMPORAL.md). A call
   * over the limit is RESOURCE_EXHAUSTED with reason RATE_LIMITED and a
   * google.rpc.RetryInfo whose retry_delay is the time until a call will be
   * accepted again. Denied and malformed calls do not count.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * The state of an aggregate as of a revision of its stream or as of a
     * point in time: its events up to then folded by the aggregate's handler
     * (from the newest snapshot at or below that revision, when there is one).
     * </pre>
     */
    default void getAggregateStateAt(dev.nexus.v1.GetAggregateStateAtRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetAggregateStateAtResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetAggregateStateAtMethod(), responseObserver);
    }

    /**
     * <pre>
     * The events of a stream recorded in a window of time, oldest first, in
     * pages.
     * </pre>
     */
    default void readStreamBetween(dev.nexus.v1.ReadStreamBetweenRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ReadStreamBetweenResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getReadStreamBetweenMethod(), responseObserver);
    }

    /**
     * <pre>
     * A projection's document as of a position of the event log: from the
     * projection's change log when it still reaches back that far, otherwise
     * by replaying the projection over the log up to that position. A replay
     * longer than the server allows (temporal.max_replay_events) is
     * FAILED_PRECONDITION (reason REPLAY_LIMIT_EXCEEDED).
     * </pre>
     */
    default void getDocumentAt(dev.nexus.v1.GetDocumentAtRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetDocumentAtResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetDocumentAtMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service TemporalQueryService.
   * <pre>
   * Temporal queries: the past state of aggregates and projection documents,
   * and the events of a stream between two times. They replay history, so
   * they are rate limited per principal: by default 10 calls per minute over
   * the three RPCs together, configurable per role (docs/TEMPORAL.md). A call
   * over the limit is RESOURCE_EXHAUSTED with reason RATE_LIMITED and a
   * google.rpc.RetryInfo whose retry_delay is the time until a call will be
   * accepted again. Denied and malformed calls do not count.
   * </pre>
   */
  public static abstract class TemporalQueryServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return TemporalQueryServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service TemporalQueryService.
   * <pre>
   * Temporal queries: the past state of aggregates and projection documents,
   * and the events of a stream between two times. They replay history, so
   * they are rate limited per principal: by default 10 calls per minute over
   * the three RPCs together, configurable per role (docs/TEMPORAL.md). A call
   * over the limit is RESOURCE_EXHAUSTED with reason RATE_LIMITED and a
   * google.rpc.RetryInfo whose retry_delay is the time until a call will be
   * accepted again. Denied and malformed calls do not count.
   * </pre>
   */
  public static final class TemporalQueryServiceStub
      extends io.grpc.stub.AbstractAsyncStub<TemporalQueryServiceStub> {
    private TemporalQueryServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected TemporalQueryServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new TemporalQueryServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * The state of an aggregate as of a revision of its stream or as of a
     * point in time: its events up to then folded by the aggregate's handler
     * (from the newest snapshot at or below that revision, when there is one).
     * </pre>
     */
    public void getAggregateStateAt(dev.nexus.v1.GetAggregateStateAtRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetAggregateStateAtResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetAggregateStateAtMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * The events of a stream recorded in a window of time, oldest first, in
     * pages.
     * </pre>
     */
    public void readStreamBetween(dev.nexus.v1.ReadStreamBetweenRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ReadStreamBetweenResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getReadStreamBetweenMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * A projection's document as of a position of the event log: from the
     * projection's change log when it still reaches back that far, otherwise
     * by replaying the projection over the log up to that position. A replay
     * longer than the server allows (temporal.max_replay_events) is
     * FAILED_PRECONDITION (reason REPLAY_LIMIT_EXCEEDED).
     * </pre>
     */
    public void getDocumentAt(dev.nexus.v1.GetDocumentAtRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetDocumentAtResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetDocumentAtMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service TemporalQueryService.
   * <pre>
   * Temporal queries: the past state of aggregates and projection documents,
   * and the events of a stream between two times. They replay history, so
   * they are rate limited per principal: by default 10 calls per minute over
   * the three RPCs together, configurable per role (docs/TEMPORAL.md). A call
   * over the limit is RESOURCE_EXHAUSTED with reason RATE_LIMITED and a
   * google.rpc.RetryInfo whose retry_delay is the time until a call will be
   * accepted again. Denied and malformed calls do not count.
   * </pre>
   */
  public static final class TemporalQueryServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<TemporalQueryServiceBlockingV2Stub> {
    private TemporalQueryServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected TemporalQueryServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new TemporalQueryServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * The state of an aggregate as of a revision of its stream or as of a
     * point in time: its events up to then folded by the aggregate's handler
     * (from the newest snapshot at or below that revision, when there is one).
     * </pre>
     */
    public dev.nexus.v1.GetAggregateStateAtResponse getAggregateStateAt(dev.nexus.v1.GetAggregateStateAtRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetAggregateStateAtMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The events of a stream recorded in a window of time, oldest first, in
     * pages.
     * </pre>
     */
    public dev.nexus.v1.ReadStreamBetweenResponse readStreamBetween(dev.nexus.v1.ReadStreamBetweenRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getReadStreamBetweenMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * A projection's document as of a position of the event log: from the
     * projection's change log when it still reaches back that far, otherwise
     * by replaying the projection over the log up to that position. A replay
     * longer than the server allows (temporal.max_replay_events) is
     * FAILED_PRECONDITION (reason REPLAY_LIMIT_EXCEEDED).
     * </pre>
     */
    public dev.nexus.v1.GetDocumentAtResponse getDocumentAt(dev.nexus.v1.GetDocumentAtRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetDocumentAtMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service TemporalQueryService.
   * <pre>
   * Temporal queries: the past state of aggregates and projection documents,
   * and the events of a stream between two times. They replay history, so
   * they are rate limited per principal: by default 10 calls per minute over
   * the three RPCs together, configurable per role (docs/TEMPORAL.md). A call
   * over the limit is RESOURCE_EXHAUSTED with reason RATE_LIMITED and a
   * google.rpc.RetryInfo whose retry_delay is the time until a call will be
   * accepted again. Denied and malformed calls do not count.
   * </pre>
   */
  public static final class TemporalQueryServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<TemporalQueryServiceBlockingStub> {
    private TemporalQueryServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected TemporalQueryServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new TemporalQueryServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * The state of an aggregate as of a revision of its stream or as of a
     * point in time: its events up to then folded by the aggregate's handler
     * (from the newest snapshot at or below that revision, when there is one).
     * </pre>
     */
    public dev.nexus.v1.GetAggregateStateAtResponse getAggregateStateAt(dev.nexus.v1.GetAggregateStateAtRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetAggregateStateAtMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The events of a stream recorded in a window of time, oldest first, in
     * pages.
     * </pre>
     */
    public dev.nexus.v1.ReadStreamBetweenResponse readStreamBetween(dev.nexus.v1.ReadStreamBetweenRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getReadStreamBetweenMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * A projection's document as of a position of the event log: from the
     * projection's change log when it still reaches back that far, otherwise
     * by replaying the projection over the log up to that position. A replay
     * longer than the server allows (temporal.max_replay_events) is
     * FAILED_PRECONDITION (reason REPLAY_LIMIT_EXCEEDED).
     * </pre>
     */
    public dev.nexus.v1.GetDocumentAtResponse getDocumentAt(dev.nexus.v1.GetDocumentAtRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetDocumentAtMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service TemporalQueryService.
   * <pre>
   * Temporal queries: the past state of aggregates and projection documents,
   * and the events of a stream between two times. They replay history, so
   * they are rate limited per principal: by default 10 calls per minute over
   * the three RPCs together, configurable per role (docs/TEMPORAL.md). A call
   * over the limit is RESOURCE_EXHAUSTED with reason RATE_LIMITED and a
   * google.rpc.RetryInfo whose retry_delay is the time until a call will be
   * accepted again. Denied and malformed calls do not count.
   * </pre>
   */
  public static final class TemporalQueryServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<TemporalQueryServiceFutureStub> {
    private TemporalQueryServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected TemporalQueryServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new TemporalQueryServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * The state of an aggregate as of a revision of its stream or as of a
     * point in time: its events up to then folded by the aggregate's handler
     * (from the newest snapshot at or below that revision, when there is one).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.GetAggregateStateAtResponse> getAggregateStateAt(
        dev.nexus.v1.GetAggregateStateAtRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetAggregateStateAtMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * The events of a stream recorded in a window of time, oldest first, in
     * pages.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ReadStreamBetweenResponse> readStreamBetween(
        dev.nexus.v1.ReadStreamBetweenRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getReadStreamBetweenMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * A projection's document as of a position of the event log: from the
     * projection's change log when it still reaches back that far, otherwise
     * by replaying the projection over the log up to that position. A replay
     * longer than the server allows (temporal.max_replay_events) is
     * FAILED_PRECONDITION (reason REPLAY_LIMIT_EXCEEDED).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.GetDocumentAtResponse> getDocumentAt(
        dev.nexus.v1.GetDocumentAtRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetDocumentAtMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_GET_AGGREGATE_STATE_AT = 0;
  private static final int METHODID_READ_STREAM_BETWEEN = 1;
  private static final int METHODID_GET_DOCUMENT_AT = 2;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final AsyncService serviceImpl;
    private final int methodId;

    MethodHandlers(AsyncService serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_GET_AGGREGATE_STATE_AT:
          serviceImpl.getAggregateStateAt((dev.nexus.v1.GetAggregateStateAtRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.GetAggregateStateAtResponse>) responseObserver);
          break;
        case METHODID_READ_STREAM_BETWEEN:
          serviceImpl.readStreamBetween((dev.nexus.v1.ReadStreamBetweenRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ReadStreamBetweenResponse>) responseObserver);
          break;
        case METHODID_GET_DOCUMENT_AT:
          serviceImpl.getDocumentAt((dev.nexus.v1.GetDocumentAtRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.GetDocumentAtResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  public static final io.grpc.ServerServiceDefinition bindService(AsyncService service) {
    return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
        .addMethod(
          getGetAggregateStateAtMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.GetAggregateStateAtRequest,
              dev.nexus.v1.GetAggregateStateAtResponse>(
                service, METHODID_GET_AGGREGATE_STATE_AT)))
        .addMethod(
          getReadStreamBetweenMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ReadStreamBetweenRequest,
              dev.nexus.v1.ReadStreamBetweenResponse>(
                service, METHODID_READ_STREAM_BETWEEN)))
        .addMethod(
          getGetDocumentAtMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.GetDocumentAtRequest,
              dev.nexus.v1.GetDocumentAtResponse>(
                service, METHODID_GET_DOCUMENT_AT)))
        .build();
  }

  private static abstract class TemporalQueryServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    TemporalQueryServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.nexus.v1.TemporalProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("TemporalQueryService");
    }
  }

  private static final class TemporalQueryServiceFileDescriptorSupplier
      extends TemporalQueryServiceBaseDescriptorSupplier {
    TemporalQueryServiceFileDescriptorSupplier() {}
  }

  private static final class TemporalQueryServiceMethodDescriptorSupplier
      extends TemporalQueryServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    TemporalQueryServiceMethodDescriptorSupplier(java.lang.String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (TemporalQueryServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new TemporalQueryServiceFileDescriptorSupplier())
              .addMethod(getGetAggregateStateAtMethod())
              .addMethod(getReadStreamBetweenMethod())
              .addMethod(getGetDocumentAtMethod())
              .build();
        }
      }
    }
    return result;
  }
}
