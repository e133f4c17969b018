package dev.nexus.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * CommandService turns commands into events. Nexus loads the target aggregate
 * from its events, asks the aggregate type's handler to decide, and appends
 * the resulting events with optimistic concurrency, retrying on a concurrent
 * write a bounded number of times.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class CommandServiceGrpc {

  private CommandServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "nexus.v1.CommandService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ExecuteRequest,
      dev.nexus.v1.ExecuteResponse> getExecuteMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Execute",
      requestType = dev.nexus.v1.ExecuteRequest.class,
      responseType = dev.nexus.v1.ExecuteResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ExecuteRequest,
      dev.nexus.v1.ExecuteResponse> getExecuteMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ExecuteRequest, dev.nexus.v1.ExecuteResponse> getExecuteMethod;
    if ((getExecuteMethod = CommandServiceGrpc.getExecuteMethod) == null) {
      synchronized (CommandServiceGrpc.class) {
        if ((getExecuteMethod = CommandServiceGrpc.getExecuteMethod) == null) {
          CommandServiceGrpc.getExecuteMethod = getExecuteMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ExecuteRequest, dev.nexus.v1.ExecuteResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Execute"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ExecuteRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ExecuteResponse.getDefaultInstance()))
              .setSchemaDescriptor(new CommandServiceMethodDescriptorSupplier("Execute"))
              .build();
        }
      }
    }
    return getExecuteMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ListAggregateTypesRequest,
      dev.nexus.v1.ListAggregateTypesResponse> getListAggregateTypesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListAggregateTypes",
      requestType = dev.nexus.v1.ListAggregateTypesRequest.class,
      responseType = dev.nexus.v1.ListAggregateTypesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ListAggregateTypesRequest,
      dev.nexus.v1.ListAggregateTypesResponse> getListAggregateTypesMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ListAggregateTypesRequest, dev.nexus.v1.ListAggregateTypesResponse> getListAggregateTypesMethod;
    if ((getListAggregateTypesMethod = CommandServiceGrpc.getListAggregateTypesMethod) == null) {
      synchronized (CommandServiceGrpc.class) {
        if ((getListAggregateTypesMethod = CommandServiceGrpc.getListAggregateTypesMethod) == null) {
          CommandServiceGrpc.getListAggregateTypesMethod = getListAggregateTypesMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ListAggregateTypesRequest, dev.nexus.v1.ListAggregateTypesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListAggregateTypes"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListAggregateTypesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListAggregateTypesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new CommandServiceMethodDescriptorSupplier("ListAggregateTypes"))
              .build();
        }
      }
    }
    return getListAggregateTypesMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static CommandServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<CommandServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<CommandServiceStub>() {
        @java.lang.Override
        public CommandServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new CommandServiceStub(channel, callOptions);
        }
      };
    return CommandServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static CommandServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<CommandServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<CommandServiceBlockingV2Stub>() {
        @java.lang.Override
        public CommandServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new CommandServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return CommandServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static CommandServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<CommandServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<CommandServiceBlockingStub>() {
        @java.lang.Override
        public CommandServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new CommandServiceBlockingStub(channel, callOptions);
        }
      };
    return CommandServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static CommandServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<CommandServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<CommandServiceFutureStub>() {
        @java.lang.Override
        public CommandServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new CommandServiceFutureStub(channel, callOptions);
        }
      };
    return CommandServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * CommandService turns commands into events. Nexus loads the target aggregate
   * from its events, asks the aggregate type's handler to decide, and appends
   * the resulting events with optimistic concurrency, retrying on a concurrent
   * write a bounded number of times.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Executes one command against one aggregate. Errors: INVALID_ARGUMENT
     * (malformed command, with BadRequest field violations; unknown aggregate or
     * command type, naming the valid ones), FAILED_PRECONDITION (a business rule
     * refused the command; ErrorInfo reason such as INSUFFICIENT_FUNDS),
     * ABORTED (reason WRONG_EXPECTED_VERSION, when expected_revision was given
     * and did not match, or retries were exhausted).
     * </pre>
     */
    default void execute(dev.nexus.v1.ExecuteRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ExecuteResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getExecuteMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the aggregate types this server handles and their command types.
     * </pre>
     */
    default void listAggregateTypes(dev.nexus.v1.ListAggregateTypesRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListAggregateTypesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListAggregateTypesMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service CommandService.
   * <pre>
   * CommandService turns commands into events. Nexus loads the target aggregate
   * from its events, asks the aggregate type's handler to decide, and appends
   * the resulting events with optimistic concurrency, retrying on a concurrent
   * write a bounded number of times.
   * </pre>
   */
  public static abstract class CommandServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return CommandServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service CommandService.
   * <pre>
   * CommandService turns commands into events. Nexus loads the target aggregate
   * from its events, asks the aggregate type's handler to decide, and appends
   * the resulting events with optimistic concurrency, retrying on a concurrent
   * write a bounded number of times.
   * </pre>
   */
  public static final class CommandServiceStub
      extends io.grpc.stub.AbstractAsyncStub<CommandServiceStub> {
    private CommandServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected CommandServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new CommandServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Executes one command against one aggregate. Errors: INVALID_ARGUMENT
     * (malformed command, with BadRequest field violations; unknown aggregate or
     * command type, naming the valid ones), FAILED_PRECONDITION (a business rule
     * refused the command; ErrorInfo reason such as INSUFFICIENT_FUNDS),
     * ABORTED (reason WRONG_EXPECTED_VERSION, when expected_revision was given
     * and did not match, or retries were exhausted).
     * </pre>
     */
    public void execute(dev.nexus.v1.ExecuteRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ExecuteResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getExecuteMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the aggregate types this server handles and their command types.
     * </pre>
     */
    public void listAggregateTypes(dev.nexus.v1.ListAggregateTypesRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListAggregateTypesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListAggregateTypesMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service CommandService.
   * <pre>
   * CommandService turns commands into events. Nexus loads the target aggregate
   * from its events, asks the aggregate type's handler to decide, and appends
   * the resulting events with optimistic concurrency, retrying on a concurrent
   * write a bounded number of times.
   * </pre>
   */
  public static final class CommandServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<CommandServiceBlockingV2Stub> {
    private CommandServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected CommandServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new CommandServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Executes one command against one aggregate. Errors: INVALID_ARGUMENT
     * (malformed command, with BadRequest field violations; unknown aggregate or
     * command type, naming the valid ones), FAILED_PRECONDITION (a business rule
     * refused the command; ErrorInfo reason such as INSUFFICIENT_FUNDS),
     * ABORTED (reason WRONG_EXPECTED_VERSION, when expected_revision was given
     * and did not match, or retries were exhausted).
     * </pre>
     */
    public dev.nexus.v1.ExecuteResponse execute(dev.nexus.v1.ExecuteRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getExecuteMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the aggregate types this server handles and their command types.
     * </pre>
     */
    public dev.nexus.v1.ListAggregateTypesResponse listAggregateTypes(dev.nexus.v1.ListAggregateTypesRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListAggregateTypesMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service CommandService.
   * <pre>
   * CommandService turns commands into events. Nexus loads the target aggregate
   * from its events, asks the aggregate type's handler to decide, and appends
   * the resulting events with optimistic concurrency, retrying on a concurrent
   * write a bounded number of times.
   * </pre>
   */
  public static final class CommandServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<CommandServiceBlockingStub> {
    private CommandServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected CommandServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new CommandServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Executes one command against one aggregate. Errors: INVALID_ARGUMENT
     * (malformed command, with BadRequest field violations; unknown aggregate or
     * command type, naming the valid ones), FAILED_PRECONDITION (a business rule
     * refused the command; ErrorInfo reason such as INSUFFICIENT_FUNDS),
     * ABORTED (reason WRONG_EXPECTED_VERSION, when expected_revision was given
     * and did not match, or retries were exhausted).
     * </pre>
     */
    public dev.nexus.v1.ExecuteResponse execute(dev.nexus.v1.ExecuteRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getExecuteMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the aggregate types this server handles and their command types.
     * </pre>
     */
    public dev.nexus.v1.ListAggregateTypesResponse listAggregateTypes(dev.nexus.v1.ListAggregateTypesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListAggregateTypesMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service CommandService.
   * <pre>
   * CommandService turns commands into events. Nexus loads the target aggregate
   * from its events, asks the aggregate type's handler to decide, and appends
   * the resulting events with optimistic concurrency, retrying on a concurrent
   * write a bounded number of times.
   * </pre>
   */
  public static final class CommandServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<CommandServiceFutureStub> {
    private CommandServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected CommandServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new CommandServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Executes one command against one aggregate. Errors: INVALID_ARGUMENT
     * (malformed command, with BadRequest field violations; unknown aggregate or
     * command type, naming the valid ones), FAILED_PRECONDITION (a business rule
     * refused the command; ErrorInfo reason such as INSUFFICIENT_FUNDS),
     * ABORTED (reason WRONG_EXPECTED_VERSION, when expected_revision was given
     * and did not match, or retries were exhausted).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ExecuteResponse> execute(
        dev.nexus.v1.ExecuteRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getExecuteMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the aggregate types this server handles and their command types.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ListAggregateTypesResponse> listAggregateTypes(
        dev.nexus.v1.ListAggregateTypesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListAggregateTypesMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_EXECUTE = 0;
  private static final int METHODID_LIST_AGGREGATE_TYPES = 1;

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
        case METHODID_EXECUTE:
          serviceImpl.execute((dev.nexus.v1.ExecuteRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ExecuteResponse>) responseObserver);
          break;
        case METHODID_LIST_AGGREGATE_TYPES:
          serviceImpl.listAggregateTypes((dev.nexus.v1.ListAggregateTypesRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ListAggregateTypesResponse>) responseObserver);
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
          getExecuteMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ExecuteRequest,
              dev.nexus.v1.ExecuteResponse>(
                service, METHODID_EXECUTE)))
        .addMethod(
          getListAggregateTypesMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ListAggregateTypesRequest,
              dev.nexus.v1.ListAggregateTypesResponse>(
                service, METHODID_LIST_AGGREGATE_TYPES)))
        .build();
  }

  private static abstract class CommandServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    CommandServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.nexus.v1.CommandProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("CommandService");
    }
  }

  private static final class CommandServiceFileDescriptorSupplier
      extends CommandServiceBaseDescriptorSupplier {
    CommandServiceFileDescriptorSupplier() {}
  }

  private static final class CommandServiceMethodDescriptorSupplier
      extends CommandServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    CommandServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (CommandServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new CommandServiceFileDescriptorSupplier())
              .addMethod(getExecuteMethod())
              .addMethod(getListAggregateTypesMethod())
              .build();
        }
      }
    }
    return result;
  }
}
