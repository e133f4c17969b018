package dev.nexus.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Sagas: durable multi-step workflows. Each step sends a command to an
 * aggregate; when a step is refused or times out, the completed steps are
 * compensated newest first. Every transition is stored before it is acted
 * on and every command id is derived from the saga id and the step, so a
 * saga interrupted by a crash resumes after the restart and no command
 * takes effect twice.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class SagaServiceGrpc {

  private SagaServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "nexus.v1.SagaService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.RegisterSagaDefinitionRequest,
      dev.nexus.v1.RegisterSagaDefinitionResponse> getRegisterSagaDefinitionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RegisterSagaDefinition",
      requestType = dev.nexus.v1.RegisterSagaDefinitionRequest.class,
      responseType = dev.nexus.v1.RegisterSagaDefinitionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.RegisterSagaDefinitionRequest,
      dev.nexus.v1.RegisterSagaDefinitionResponse> getRegisterSagaDefinitionMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.RegisterSagaDefinitionRequest, dev.nexus.v1.RegisterSagaDefinitionResponse> getRegisterSagaDefinitionMethod;
    if ((getRegisterSagaDefinitionMethod = SagaServiceGrpc.getRegisterSagaDefinitionMethod) == null) {
      synchronized (SagaServiceGrpc.class) {
        if ((getRegisterSagaDefinitionMethod = SagaServiceGrpc.getRegisterSagaDefinitionMethod) == null) {
          SagaServiceGrpc.getRegisterSagaDefinitionMethod = getRegisterSagaDefinitionMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.RegisterSagaDefinitionRequest, dev.nexus.v1.RegisterSagaDefinitionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RegisterSagaDefinition"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.RegisterSagaDefinitionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.RegisterSagaDefinitionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SagaServiceMethodDescriptorSupplier("RegisterSagaDefinition"))
              .build();
        }
      }
    }
    return getRegisterSagaDefinitionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ListSagaDefinitionsRequest,
      dev.nexus.v1.ListSagaDefinitionsResponse> getListSagaDefinitionsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListSagaDefinitions",
      requestType = dev.nexus.v1.ListSagaDefinitionsRequest.class,
      responseType = dev.nexus.v1.ListSagaDefinitionsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ListSagaDefinitionsRequest,
      dev.nexus.v1.ListSagaDefinitionsResponse> getListSagaDefinitionsMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ListSagaDefinitionsRequest, dev.nexus.v1.ListSagaDefinitionsResponse> getListSagaDefinitionsMethod;
    if ((getListSagaDefinitionsMethod = SagaServiceGrpc.getListSagaDefinitionsMethod) == null) {
      synchronized (SagaServiceGrpc.class) {
        if ((getListSagaDefinitionsMethod = SagaServiceGrpc.getListSagaDefinitionsMethod) == null) {
          SagaServiceGrpc.getListSagaDefinitionsMethod = getListSagaDefinitionsMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ListSagaDefinitionsRequest, dev.nexus.v1.ListSagaDefinitionsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListSagaDefinitions"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListSagaDefinitionsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListSagaDefinitionsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SagaServiceMethodDescriptorSupplier("ListSagaDefinitions"))
              .build();
        }
      }
    }
    return getListSagaDefinitionsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.StartSagaRequest,
      dev.nexus.v1.StartSagaResponse> getStartSagaMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "StartSaga",
      requestType = dev.nexus.v1.StartSagaRequest.class,
      responseType = dev.nexus.v1.StartSagaResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.StartSagaRequest,
      dev.nexus.v1.StartSagaResponse> getStartSagaMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.StartSagaRequest, dev.nexus.v1.StartSagaResponse> getStartSagaMethod;
    if ((getStartSagaMethod = SagaServiceGrpc.getStartSagaMethod) == null) {
      synchronized (SagaServiceGrpc.class) {
        if ((getStartSagaMethod = SagaServiceGrpc.getStartSagaMethod) == null) {
          SagaServiceGrpc.getStartSagaMethod = getStartSagaMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.StartSagaRequest, dev.nexus.v1.StartSagaResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "StartSaga"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.StartSagaRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.StartSagaResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SagaServiceMethodDescriptorSupplier("StartSaga"))
              .build();
        }
      }
    }
    return getStartSagaMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.GetSagaRequest,
      dev.nexus.v1.GetSagaResponse> getGetSagaMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetSaga",
      requestType = dev.nexus.v1.GetSagaRequest.class,
      responseType = dev.nexus.v1.GetSagaResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.GetSagaRequest,
      dev.nexus.v1.GetSagaResponse> getGetSagaMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.GetSagaRequest, dev.nexus.v1.GetSagaResponse> getGetSagaMethod;
    if ((getGetSagaMethod = SagaServiceGrpc.getGetSagaMethod) == null) {
      synchronized (SagaServiceGrpc.class) {
        if ((getGetSagaMethod = SagaServiceGrpc.getGetSagaMethod) == null) {
          SagaServiceGrpc.getGetSagaMethod = getGetSagaMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.GetSagaRequest, dev.nexus.v1.GetSagaResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetSaga"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetSagaRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetSagaResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SagaServiceMethodDescriptorSupplier("GetSaga"))
              .build();
        }
      }
    }
    return getGetSagaMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ListSagasRequest,
      dev.nexus.v1.ListSagasResponse> getListSagasMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListSagas",
      requestType = dev.nexus.v1.ListSagasRequest.class,
      responseType = dev.nexus.v1.ListSagasResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ListSagasRequest,
      dev.nexus.v1.ListSagasResponse> getListSagasMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ListSagasRequest, dev.nexus.v1.ListSagasResponse> getListSagasMethod;
    if ((getListSagasMethod = SagaServiceGrpc.getListSagasMethod) == null) {
      synchronized (SagaServiceGrpc.class) {
        if ((getListSagasMethod = SagaServiceGrpc.getListSagasMethod) == null) {
          SagaServiceGrpc.getListSagasMethod = getListSagasMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ListSagasRequest, dev.nexus.v1.ListSagasResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListSagas"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListSagasRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListSagasResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SagaServiceMethodDescriptorSupplier("ListSagas"))
              .build();
        }
      }
    }
    return getListSagasMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.WatchSagaRequest,
      dev.nexus.v1.WatchSagaResponse> getWatchSagaMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WatchSaga",
      requestType = dev.nexus.v1.WatchSagaRequest.class,
      responseType = dev.nexus.v1.WatchSagaResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.WatchSagaRequest,
      dev.nexus.v1.WatchSagaResponse> getWatchSagaMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.WatchSagaRequest, dev.nexus.v1.WatchSagaResponse> getWatchSagaMethod;
    if ((getWatchSagaMethod = SagaServiceGrpc.getWatchSagaMethod) == null) {
      synchronized (SagaServiceGrpc.class) {
        if ((getWatchSagaMethod = SagaServiceGrpc.getWatchSagaMethod) == null) {
          SagaServiceGrpc.getWatchSagaMethod = getWatchSagaMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.WatchSagaRequest, dev.nexus.v1.WatchSagaResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WatchSaga"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.WatchSagaRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.WatchSagaResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SagaServiceMethodDescriptorSupplier("WatchSaga"))
              .build();
        }
      }
    }
    return getWatchSagaMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.CancelSagaRequest,
      dev.nexus.v1.CancelSagaResponse> getCancelSagaMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CancelSaga",
      requestType = dev.nexus.v1.CancelSagaRequest.class,
      responseType = dev.nexus.v1.CancelSagaResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.CancelSagaRequest,
      dev.nexus.v1.CancelSagaResponse> getCancelSagaMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.CancelSagaRequest, dev.nexus.v1.CancelSagaResponse> getCancelSagaMethod;
    if ((getCancelSagaMethod = SagaServiceGrpc.getCancelSagaMethod) == null) {
      synchronized (SagaServiceGrpc.class) {
        if ((getCancelSagaMethod = SagaServiceGrpc.getCancelSagaMethod) == null) {
          SagaServiceGrpc.getCancelSagaMethod = getCancelSagaMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.CancelSagaRequest, dev.nexus.v1.CancelSagaResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CancelSaga"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.CancelSagaRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.CancelSagaResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SagaServiceMethodDescriptorSupplier("CancelSaga"))
              .build();
        }
      }
    }
    return getCancelSagaMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.RetrySagaRequest,
      dev.nexus.v1.RetrySagaResponse> getRetrySagaMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RetrySaga",
      requestType = dev.nexus.v1.RetrySagaRequest.class,
      responseType = dev.nexus.v1.RetrySagaResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.RetrySagaRequest,
      dev.nexus.v1.RetrySagaResponse> getRetrySagaMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.RetrySagaRequest, dev.nexus.v1.RetrySagaResponse> getRetrySagaMethod;
    if ((getRetrySagaMethod = SagaServiceGrpc.getRetrySagaMethod) == null) {
      synchronized (SagaServiceGrpc.class) {
        if ((getRetrySagaMethod = SagaServiceGrpc.getRetrySagaMethod) == null) {
          SagaServiceGrpc.getRetrySagaMethod = getRetrySagaMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.RetrySagaRequest, dev.nexus.v1.RetrySagaResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RetrySaga"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.RetrySagaRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.RetrySagaResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SagaServiceMethodDescriptorSupplier("RetrySaga"))
              .build();
        }
      }
    }
    return getRetrySagaMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static SagaServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SagaServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SagaServiceStub>() {
        @java.lang.Override
        public SagaServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SagaServiceStub(channel, callOptions);
        }
      };
    return SagaServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static SagaServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SagaServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SagaServiceBlockingV2Stub>() {
        @java.lang.Override
        public SagaServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SagaServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return SagaServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static SagaServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SagaServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SagaServiceBlockingStub>() {
        @java.lang.Override
        public SagaServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SagaServiceBlockingStub(channel, callOptions);
        }
      };
    return SagaServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static SagaServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SagaServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SagaServiceFutureStub>() {
        @java.lang.Override
        public SagaServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SagaServiceFutureStub(channel, callOptions);
        }
      };
    return SagaServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Sagas: durable multi-step workflows. Each step sends a command to an
   * aggregate; when a step is refused or times out, the completed steps are
   * compensated newest first. Every transition is stored before it is acted
   * on and every command id is derived from the saga id and the step, so a
   * saga interrupted by a crash resumes after the restart and no command
   * takes effect twice.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Registers (or replaces) a saga definition. Definitions of the server's
     * sagas folder cannot be replaced (INVALID_ARGUMENT).
     * </pre>
     */
    default void registerSagaDefinition(dev.nexus.v1.RegisterSagaDefinitionRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.RegisterSagaDefinitionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRegisterSagaDefinitionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Every saga definition, by name.
     * </pre>
     */
    default void listSagaDefinitions(dev.nexus.v1.ListSagaDefinitionsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListSagaDefinitionsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListSagaDefinitionsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Starts a saga. Its commands run as the caller (in the caller's tenant).
     * </pre>
     */
    default void startSaga(dev.nexus.v1.StartSagaRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.StartSagaResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getStartSagaMethod(), responseObserver);
    }

    /**
     * <pre>
     * One saga with the full history of its transitions.
     * </pre>
     */
    default void getSaga(dev.nexus.v1.GetSagaRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetSagaResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetSagaMethod(), responseObserver);
    }

    /**
     * <pre>
     * Sagas in the order they were started, filtered and paged.
     * </pre>
     */
    default void listSagas(dev.nexus.v1.ListSagasRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListSagasResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListSagasMethod(), responseObserver);
    }

    /**
     * <pre>
     * A saga's transitions: those stored after `after_version` first, then
     * each new one as it happens; the stream ends after a final status.
     * </pre>
     */
    default void watchSaga(dev.nexus.v1.WatchSagaRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.WatchSagaResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchSagaMethod(), responseObserver);
    }

    /**
     * <pre>
     * Cancels a RUNNING saga: its completed steps are compensated and it ends
     * CANCELLED. FAILED_PRECONDITION (reason SAGA_NOT_RUNNING) for a saga in
     * any other status, except one already cancelled, which is returned.
     * </pre>
     */
    default void cancelSaga(dev.nexus.v1.CancelSagaRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.CancelSagaResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCancelSagaMethod(), responseObserver);
    }

    /**
     * <pre>
     * Retries the compensations of a FAILED saga from the one that failed.
     * FAILED_PRECONDITION (reason SAGA_NOT_FAILED) otherwise.
     * </pre>
     */
    default void retrySaga(dev.nexus.v1.RetrySagaRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.RetrySagaResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRetrySagaMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service SagaService.
   * <pre>
   * Sagas: durable multi-step workflows. Each step sends a command to an
   * aggregate; when a step is refused or times out, the completed steps are
   * compensated newest first. Every transition is stored before it is acted
   * on and every command id is derived from the saga id and the step, so a
   * saga interrupted by a crash resumes after the restart and no command
   * takes effect twice.
   * </pre>
   */
  public static abstract class SagaServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return SagaServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service SagaService.
   * <pre>
   * Sagas: durable multi-step workflows. Each step sends a command to an
   * aggregate; when a step is refused or times out, the completed steps are
   * compensated newest first. Every transition is stored before it is acted
   * on and every command id is derived from the saga id and the step, so a
   * saga interrupted by a crash resumes after the restart and no command
   * takes effect twice.
   * </pre>
   */
  public static final class SagaServiceStub
      extends io.grpc.stub.AbstractAsyncStub<SagaServiceStub> {
    private SagaServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SagaServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SagaServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Registers (or replaces) a saga definition. Definitions of the server's
     * sagas folder cannot be replaced (INVALID_ARGUMENT).
     * </pre>
     */
    public void registerSagaDefinition(dev.nexus.v1.RegisterSagaDefinitionRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.RegisterSagaDefinitionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRegisterSagaDefinitionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Every saga definition, by name.
     * </pre>
     */
    public void listSagaDefinitions(dev.nexus.v1.ListSagaDefinitionsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListSagaDefinitionsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListSagaDefinitionsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Starts a saga. Its commands run as the caller (in the caller's tenant).
     * </pre>
     */
    public void startSaga(dev.nexus.v1.StartSagaRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.StartSagaResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getStartSagaMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * One saga with the full history of its transitions.
     * </pre>
     */
    public void getSaga(dev.nexus.v1.GetSagaRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetSagaResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetSagaMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Sagas in the order they were started, filtered and paged.
     * </pre>
     */
    public void listSagas(dev.nexus.v1.ListSagasRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListSagasResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListSagasMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * A saga's transitions: those stored after `after_version` first, then
     * each new one as it happens; the stream ends after a final status.
     * </pre>
     */
    public void watchSaga(dev.nexus.v1.WatchSagaRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.WatchSagaResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchSagaMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Cancels a RUNNING saga: its completed steps are compensated and it ends
     * CANCELLED. FAILED_PRECONDITION (reason SAGA_NOT_RUNNING) for a saga in
     * any other status, except one already cancelled, which is returned.
     * </pre>
     */
    public void cancelSaga(dev.nexus.v1.CancelSagaRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.CancelSagaResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCancelSagaMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Retries the compensations of a FAILED saga from the one that failed.
     * FAILED_PRECONDITION (reason SAGA_NOT_FAILED) otherwise.
     * </pre>
     */
    public void retrySaga(dev.nexus.v1.RetrySagaRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.RetrySagaResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRetrySagaMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service SagaService.
   * <pre>
   * Sagas: durable multi-step workflows. Each step sends a command to an
   * aggregate; when a step is refused or times out, the completed steps are
   * compensated newest first. Every transition is stored before it is acted
   * on and every command id is derived from the saga id and the step, so a
   * saga interrupted by a crash resumes after the restart and no command
   * takes effect twice.
   * </pre>
   */
  public static final class SagaServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<SagaServiceBlockingV2Stub> {
    private SagaServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SagaServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SagaServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Registers (or replaces) a saga definition. Definitions of the server's
     * sagas folder cannot be replaced (INVALID_ARGUMENT).
     * </pre>
     */
    public dev.nexus.v1.RegisterSagaDefinitionResponse registerSagaDefinition(dev.nexus.v1.RegisterSagaDefinitionRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getRegisterSagaDefinitionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Every saga definition, by name.
     * </pre>
     */
    public dev.nexus.v1.ListSagaDefinitionsResponse listSagaDefinitions(dev.nexus.v1.ListSagaDefinitionsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListSagaDefinitionsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Starts a saga. Its commands run as the caller (in the caller's tenant).
     * </pre>
     */
    public dev.nexus.v1.StartSagaResponse startSaga(dev.nexus.v1.StartSagaRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getStartSagaMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * One saga with the full history of its transitions.
     * </pre>
     */
    public dev.nexus.v1.GetSagaResponse getSaga(dev.nexus.v1.GetSagaRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetSagaMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sagas in the order they were started, filtered and paged.
     * </pre>
     */
    public dev.nexus.v1.ListSagasResponse listSagas(dev.nexus.v1.ListSagasRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListSagasMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * A saga's transitions: those stored after `after_version` first, then
     * each new one as it happens; the stream ends after a final status.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<?, dev.nexus.v1.WatchSagaResponse>
        watchSaga(dev.nexus.v1.WatchSagaRequest request) {
      return io.grpc.stub.ClientCalls.blockingV2ServerStreamingCall(
          getChannel(), getWatchSagaMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Cancels a RUNNING saga: its completed steps are compensated and it ends
     * CANCELLED. FAILED_PRECONDITION (reason SAGA_NOT_RUNNING) for a saga in
     * any other status, except one already cancelled, which is returned.
     * </pre>
     */
    public dev.nexus.v1.CancelSagaResponse cancelSaga(dev.nexus.v1.CancelSagaRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCancelSagaMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Retries the compensations of a FAILED saga from the one that failed.
     * FAILED_PRECONDITION (reason SAGA_NOT_FAILED) otherwise.
     * </pre>
     */
    public dev.nexus.v1.RetrySagaResponse retrySaga(dev.nexus.v1.RetrySagaRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getRetrySagaMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service SagaService.
   * <pre>
   * Sagas: durable multi-step workflows. Each step sends a command to an
   * aggregate; when a step is refused or times out, the completed steps are
   * compensated newest first. Every transition is stored before it is acted
   * on and every command id is derived from the saga id and the step, so a
   * saga interrupted by a crash resumes after the restart and no command
   * takes effect twice.
   * </pre>
   */
  public static final class SagaServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<SagaServiceBlockingStub> {
    private SagaServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SagaServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SagaServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Registers (or replaces) a saga definition. Definitions of the server's
     * sagas folder cannot be replaced (INVALID_ARGUMENT).
     * </pre>
     */
    public dev.nexus.v1.RegisterSagaDefinitionResponse registerSagaDefinition(dev.nexus.v1.RegisterSagaDefinitionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRegisterSagaDefinitionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Every saga definition, by name.
     * </pre>
     */
    public dev.nexus.v1.ListSagaDefinitionsResponse listSagaDefinitions(dev.nexus.v1.ListSagaDefinitionsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListSagaDefinitionsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Starts a saga. Its commands run as the caller (in the caller's tenant).
     * </pre>
     */
    public dev.nexus.v1.StartSagaResponse startSaga(dev.nexus.v1.StartSagaRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getStartSagaMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * One saga with the full history of its transitions.
     * </pre>
     */
    public dev.nexus.v1.GetSagaResponse getSaga(dev.nexus.v1.GetSagaRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetSagaMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sagas in the order they were started, filtered and paged.
     * </pre>
     */
    public dev.nexus.v1.ListSagasResponse listSagas(dev.nexus.v1.ListSagasRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListSagasMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * A saga's transitions: those stored after `after_version` first, then
     * each new one as it happens; the stream ends after a final status.
     * </pre>
     */
    public java.util.Iterator<dev.nexus.v1.WatchSagaResponse> watchSaga(
        dev.nexus.v1.WatchSagaRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchSagaMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Cancels a RUNNING saga: its completed steps are compensated and it ends
     * CANCELLED. FAILED_PRECONDITION (reason SAGA_NOT_RUNNING) for a saga in
     * any other status, except one already cancelled, which is returned.
     * </pre>
     */
    public dev.nexus.v1.CancelSagaResponse cancelSaga(dev.nexus.v1.CancelSagaRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCancelSagaMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Retries the compensations of a FAILED saga from the one that failed.
     * FAILED_PRECONDITION (reason SAGA_NOT_FAILED) otherwise.
     * </pre>
     */
    public dev.nexus.v1.RetrySagaResponse retrySaga(dev.nexus.v1.RetrySagaRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRetrySagaMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service SagaService.
   * <pre>
   * Sagas: durable multi-step workflows. Each step sends a command to an
   * aggregate; when a step is refused or times out, the completed steps are
   * compensated newest first. Every transition is stored before it is acted
   * on and every command id is derived from the saga id and the step, so a
   * saga interrupted by a crash resumes after the restart and no command
   * takes effect twice.
   * </pre>
   */
  public static final class SagaServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<SagaServiceFutureStub> {
    private SagaServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SagaServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SagaServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Registers (or replaces) a saga definition. Definitions of the server's
     * sagas folder cannot be replaced (INVALID_ARGUMENT).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.RegisterSagaDefinitionResponse> registerSagaDefinition(
        dev.nexus.v1.RegisterSagaDefinitionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRegisterSagaDefinitionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Every saga definition, by name.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ListSagaDefinitionsResponse> listSagaDefinitions(
        dev.nexus.v1.ListSagaDefinitionsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListSagaDefinitionsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Starts a saga. Its commands run as the caller (in the caller's tenant).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.StartSagaResponse> startSaga(
        dev.nexus.v1.StartSagaRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getStartSagaMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * One saga with the full history of its transitions.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.GetSagaResponse> getSaga(
        dev.nexus.v1.GetSagaRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetSagaMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Sagas in the order they were started, filtered and paged.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ListSagasResponse> listSagas(
        dev.nexus.v1.ListSagasRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListSagasMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Cancels a RUNNING saga: its completed steps are compensated and it ends
     * CANCELLED. FAILED_PRECONDITION (reason SAGA_NOT_RUNNING) for a saga in
     * any other status, except one already cancelled, which is returned.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.CancelSagaResponse> cancelSaga(
        dev.nexus.v1.CancelSagaRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCancelSagaMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Retries the compensations of a FAILED saga from the one that failed.
     * FAILED_PRECONDITION (reason SAGA_NOT_FAILED) otherwise.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.RetrySagaResponse> retrySaga(
        dev.nexus.v1.RetrySagaRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRetrySagaMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_REGISTER_SAGA_DEFINITION = 0;
  private static final int METHODID_LIST_SAGA_DEFINITIONS = 1;
  private static final int METHODID_START_SAGA = 2;
  private static final int METHODID_GET_SAGA = 3;
  private static final int METHODID_LIST_SAGAS = 4;
  private static final int METHODID_WATCH_SAGA = 5;
  private static final int METHODID_CANCEL_SAGA = 6;
  private static final int METHODID_RETRY_SAGA = 7;

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
        case METHODID_REGISTER_SAGA_DEFINITION:
          serviceImpl.registerSagaDefinition((dev.nexus.v1.RegisterSagaDefinitionRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.RegisterSagaDefinitionResponse>) responseObserver);
          break;
        case METHODID_LIST_SAGA_DEFINITIONS:
          serviceImpl.listSagaDefinitions((dev.nexus.v1.ListSagaDefinitionsRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ListSagaDefinitionsResponse>) responseObserver);
          break;
        case METHODID_START_SAGA:
          serviceImpl.startSaga((dev.nexus.v1.StartSagaRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.StartSagaResponse>) responseObserver);
          break;
        case METHODID_GET_SAGA:
          serviceImpl.getSaga((dev.nexus.v1.GetSagaRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.GetSagaResponse>) responseObserver);
          break;
        case METHODID_LIST_SAGAS:
          serviceImpl.listSagas((dev.nexus.v1.ListSagasRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ListSagasResponse>) responseObserver);
          break;
        case METHODID_WATCH_SAGA:
          serviceImpl.watchSaga((dev.nexus.v1.WatchSagaRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.WatchSagaResponse>) responseObserver);
          break;
        case METHODID_CANCEL_SAGA:
          serviceImpl.cancelSaga((dev.nexus.v1.CancelSagaRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.CancelSagaResponse>) responseObserver);
          break;
        case METHODID_RETRY_SAGA:
          serviceImpl.retrySaga((dev.nexus.v1.RetrySagaRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.RetrySagaResponse>) responseObserver);
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
          getRegisterSagaDefinitionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.RegisterSagaDefinitionRequest,
              dev.nexus.v1.RegisterSagaDefinitionResponse>(
                service, METHODID_REGISTER_SAGA_DEFINITION)))
        .addMethod(
          getListSagaDefinitionsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ListSagaDefinitionsRequest,
              dev.nexus.v1.ListSagaDefinitionsResponse>(
                service, METHODID_LIST_SAGA_DEFINITIONS)))
        .addMethod(
          getStartSagaMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.StartSagaRequest,
              dev.nexus.v1.StartSagaResponse>(
                service, METHODID_START_SAGA)))
        .addMethod(
          getGetSagaMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.GetSagaRequest,
              dev.nexus.v1.GetSagaResponse>(
                service, METHODID_GET_SAGA)))
        .addMethod(
          getListSagasMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ListSagasRequest,
              dev.nexus.v1.ListSagasResponse>(
                service, METHODID_LIST_SAGAS)))
        .addMethod(
          getWatchSagaMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              dev.nexus.v1.WatchSagaRequest,
              dev.nexus.v1.WatchSagaResponse>(
                service, METHODID_WATCH_SAGA)))
        .addMethod(
          getCancelSagaMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.CancelSagaRequest,
              dev.nexus.v1.CancelSagaResponse>(
                service, METHODID_CANCEL_SAGA)))
        .addMethod(
          getRetrySagaMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.RetrySagaRequest,
              dev.nexus.v1.RetrySagaResponse>(
                service, METHODID_RETRY_SAGA)))
        .build();
  }

  private static abstract class SagaServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    SagaServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.nexus.v1.SagaProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("SagaService");
    }
  }

  private static final class SagaServiceFileDescriptorSupplier
      extends SagaServiceBaseDescriptorSupplier {
    SagaServiceFileDescriptorSupplier() {}
  }

  private static final class SagaServiceMethodDescriptorSupplier
      extends SagaServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    SagaServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (SagaServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new SagaServiceFileDescriptorSupplier())
              .addMethod(getRegisterSagaDefinitionMethod())
              .addMethod(getListSagaDefinitionsMethod())
              .addMethod(getStartSagaMethod())
              .addMethod(getGetSagaMethod())
              .addMethod(getListSagasMethod())
              .addMethod(getWatchSagaMethod())
              .addMethod(getCancelSagaMethod())
              .addMethod(getRetrySagaMethod())
              .build();
        }
      }
    }
    return result;
  }
}
