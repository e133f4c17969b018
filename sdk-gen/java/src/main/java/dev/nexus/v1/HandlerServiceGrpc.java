package dev.nexus.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * HandlerService lets command handlers run outside Nexus, in any language.
 * A handler process opens one Serve stream per instance, registers the
 * aggregate type and command types it handles, and then answers decide
 * requests: Nexus loads the aggregate, sends the handler its events and the
 * command, and stores what the handler decides with the same schema
 * validation, policies and optimistic concurrency as for in-process
 * handlers. Several instances of one handler share the load; a command whose
 * instance disconnects or misses its deadline is sent to another instance
 * (events are stored once: their ids derive from the command id).
 * (The RPC is Serve, not Connect: tonic's generated Rust client already has
 * a `connect` constructor.)
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class HandlerServiceGrpc {

  private HandlerServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "nexus.v1.HandlerService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ServeRequest,
      dev.nexus.v1.ServeResponse> getServeMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Serve",
      requestType = dev.nexus.v1.ServeRequest.class,
      responseType = dev.nexus.v1.ServeResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ServeRequest,
      dev.nexus.v1.ServeResponse> getServeMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ServeRequest, dev.nexus.v1.ServeResponse> getServeMethod;
    if ((getServeMethod = HandlerServiceGrpc.getServeMethod) == null) {
      synchronized (HandlerServiceGrpc.class) {
        if ((getServeMethod = HandlerServiceGrpc.getServeMethod) == null) {
          HandlerServiceGrpc.getServeMethod = getServeMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ServeRequest, dev.nexus.v1.ServeResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Serve"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ServeRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ServeResponse.getDefaultInstance()))
              .setSchemaDescriptor(new HandlerServiceMethodDescriptorSupplier("Serve"))
              .build();
        }
      }
    }
    return getServeMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static HandlerServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<HandlerServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<HandlerServiceStub>() {
        @java.lang.Override
        public HandlerServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new HandlerServiceStub(channel, callOptions);
        }
      };
    return HandlerServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static HandlerServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<HandlerServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<HandlerServiceBlockingV2Stub>() {
        @java.lang.Override
        public HandlerServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new HandlerServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return HandlerServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static HandlerServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<HandlerServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<HandlerServiceBlockingStub>() {
        @java.lang.Override
        public HandlerServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new HandlerServiceBlockingStub(channel, callOptions);
        }
      };
    return HandlerServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static HandlerServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<HandlerServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<HandlerServiceFutureStub>() {
        @java.lang.Override
        public HandlerServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new HandlerServiceFutureStub(channel, callOptions);
        }
      };
    return HandlerServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * HandlerService lets command handlers run outside Nexus, in any language.
   * A handler process opens one Serve stream per instance, registers the
   * aggregate type and command types it handles, and then answers decide
   * requests: Nexus loads the aggregate, sends the handler its events and the
   * command, and stores what the handler decides with the same schema
   * validation, policies and optimistic concurrency as for in-process
   * handlers. Several instances of one handler share the load; a command whose
   * instance disconnects or misses its deadline is sent to another instance
   * (events are stored once: their ids derive from the command id).
   * (The RPC is Serve, not Connect: tonic's generated Rust client already has
   * a `connect` constructor.)
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Registers a handler instance and carries decide requests to it and its
     * results back. The first message must be a registration; the server
     * answers with Registered, then sends DecideRequests and heartbeats.
     * </pre>
     */
    default io.grpc.stub.StreamObserver<dev.nexus.v1.ServeRequest> serve(
        io.grpc.stub.StreamObserver<dev.nexus.v1.ServeResponse> responseObserver) {
      return io.grpc.stub.ServerCalls.asyncUnimplementedStreamingCall(getServeMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service HandlerService.
   * <pre>
   * HandlerService lets command handlers run outside Nexus, in any language.
   * A handler process opens one Serve stream per instance, registers the
   * aggregate type and command types it handles, and then answers decide
   * requests: Nexus loads the aggregate, sends the handler its events and the
   * command, and stores what the handler decides with the same schema
   * validation, policies and optimistic concurrency as for in-process
   * handlers. Several instances of one handler share the load; a command whose
   * instance disconnects or misses its deadline is sent to another instance
   * (events are stored once: their ids derive from the command id).
   * (The RPC is Serve, not Connect: tonic's generated Rust client already has
   * a `connect` constructor.)
   * </pre>
   */
  public static abstract class HandlerServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return HandlerServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service HandlerService.
   * <pre>
   * HandlerService lets command handlers run outside Nexus, in any language.
   * A handler process opens one Serve stream per instance, registers the
   * aggregate type and command types it handles, and then answers decide
   * requests: Nexus loads the aggregate, sends the handler its events and the
   * command, and stores what the handler decides with the same schema
   * validation, policies and optimistic concurrency as for in-process
   * handlers. Several instances of one handler share the load; a command whose
   * instance disconnects or misses its deadline is sent to another instance
   * (events are stored once: their ids derive from the command id).
   * (The RPC is Serve, not Connect: tonic's generated Rust client already has
   * a `connect` constructor.)
   * </pre>
   */
  public static final class HandlerServiceStub
      extends io.grpc.stub.AbstractAsyncStub<HandlerServiceStub> {
    private HandlerServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected HandlerServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new HandlerServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Registers a handler instance and carries decide requests to it and its
     * results back. The first message must be a registration; the server
     * answers with Registered, then sends DecideRequests and heartbeats.
     * </pre>
     */
    public io.grpc.stub.StreamObserver<dev.nexus.v1.ServeRequest> serve(
        io.grpc.stub.StreamObserver<dev.nexus.v1.ServeResponse> responseObserver) {
      return io.grpc.stub.ClientCalls.asyncBidiStreamingCall(
          getChannel().newCall(getServeMethod(), getCallOptions()), responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service HandlerService.
   * <pre>
   * HandlerService lets command handlers run outside Nexus, in any language.
   * A handler process opens one Serve stream per instance, registers the
   * aggregate type and command types it handles, and then answers decide
   * requests: Nexus loads the aggregate, sends the handler its events and the
   * command, and stores what the handler decides with the same schema
   * validation, policies and optimistic concurrency as for in-process
   * handlers. Several instances of one handler share the load; a command whose
   * instance disconnects or misses its deadline is sent to another instance
   * (events are stored once: their ids derive from the command id).
   * (The RPC is Serve, not Connect: tonic's generated Rust client already has
   * a `connect` constructor.)
   * </pre>
   */
  public static final class HandlerServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<HandlerServiceBlockingV2Stub> {
    private HandlerServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected HandlerServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new HandlerServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Registers a handler instance and carries decide requests to it and its
     * results back. The first message must be a registration; the server
     * answers with Registered, then sends DecideRequests and heartbeats.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<dev.nexus.v1.ServeRequest, dev.nexus.v1.ServeResponse>
        serve() {
      return io.grpc.stub.ClientCalls.blockingBidiStreamingCall(
          getChannel(), getServeMethod(), getCallOptions());
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service HandlerService.
   * <pre>
   * HandlerService lets command handlers run outside Nexus, in any language.
   * A handler process opens one Serve stream per instance, registers the
   * aggregate type and command types it handles, and then answers decide
   * requests: Nexus loads the aggregate, sends the handler its events and the
   * command, and stores what the handler decides with the same schema
   * validation, policies and optimistic concurrency as for in-process
   * handlers. Several instances of one handler share the load; a command whose
   * instance disconnects or misses its deadline is sent to another instance
   * (events are stored once: their ids derive from the command id).
   * (The RPC is Serve, not Connect: tonic's generated Rust client already has
   * a `connect` constructor.)
   * </pre>
   */
  public static final class HandlerServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<HandlerServiceBlockingStub> {
    private HandlerServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected HandlerServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new HandlerServiceBlockingStub(channel, callOptions);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service HandlerService.
   * <pre>
   * HandlerService lets command handlers run outside Nexus, in any language.
   * A handler process opens one Serve stream per instance, registers the
   * aggregate type and command types it handles, and then answers decide
   * requests: Nexus loads the aggregate, sends the handler its events and the
   * command, and stores what the handler decides with the same schema
   * validation, policies and optimistic concurrency as for in-process
   * handlers. Several instances of one handler share the load; a command whose
   * instance disconnects or misses its deadline is sent to another instance
   * (events are stored once: their ids derive from the command id).
   * (The RPC is Serve, not Connect: tonic's generated Rust client already has
   * a `connect` constructor.)
   * </pre>
   */
  public static final class HandlerServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<HandlerServiceFutureStub> {
    private HandlerServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected HandlerServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new HandlerServiceFutureStub(channel, callOptions);
    }
  }

  private static final int METHODID_SERVE = 0;

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
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_SERVE:
          return (io.grpc.stub.StreamObserver<Req>) serviceImpl.serve(
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ServeResponse>) responseObserver);
        default:
          throw new AssertionError();
      }
    }
  }

  public static final io.grpc.ServerServiceDefinition bindService(AsyncService service) {
    return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
        .addMethod(
          getServeMethod(),
          io.grpc.stub.ServerCalls.asyncBidiStreamingCall(
            new MethodHandlers<
              dev.nexus.v1.ServeRequest,
              dev.nexus.v1.ServeResponse>(
                service, METHODID_SERVE)))
        .build();
  }

  private static abstract class HandlerServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    HandlerServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.nexus.v1.HandlerProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("HandlerService");
    }
  }

  private static final class HandlerServiceFileDescriptorSupplier
      extends HandlerServiceBaseDescriptorSupplier {
    HandlerServiceFileDescriptorSupplier() {}
  }

  private static final class HandlerServiceMethodDescriptorSupplier
      extends HandlerServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    HandlerServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (HandlerServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new HandlerServiceFileDescriptorSupplier())
              .addMethod(getServeMethod())
              .build();
        }
      }
    }
    return result;
  }
}
