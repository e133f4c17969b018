package dev.nexus.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * Snapshots of aggregates: an aggregate's state saved at a revision, so a
 * command loads the newest valid snapshot plus the events after it instead
 * of its whole history. Snapshots are taken in the background when a
 * policy's trigger fires (every N events, state size, age) and never delay a
 * command. A snapshot records the handler's state schema version and
 * snapshot version; when either changes, older snapshots are ignored and
 * rebuilt, never misread. Loading with or without snapshots gives the same
 * state.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class SnapshotServiceGrpc {

  private SnapshotServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "nexus.v1.SnapshotService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.GetSnapshotRequest,
      dev.nexus.v1.GetSnapshotResponse> getGetSnapshotMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetSnapshot",
      requestType = dev.nexus.v1.GetSnapshotRequest.class,
      responseType = dev.nexus.v1.GetSnapshotResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.GetSnapshotRequest,
      dev.nexus.v1.GetSnapshotResponse> getGetSnapshotMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.GetSnapshotRequest, dev.nexus.v1.GetSnapshotResponse> getGetSnapshotMethod;
    if ((getGetSnapshotMethod = SnapshotServiceGrpc.getGetSnapshotMethod) == null) {
      synchronized (SnapshotServiceGrpc.class) {
        if ((getGetSnapshotMethod = SnapshotServiceGrpc.getGetSnapshotMethod) == null) {
          SnapshotServiceGrpc.getGetSnapshotMethod = getGetSnapshotMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.GetSnapshotRequest, dev.nexus.v1.GetSnapshotResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetSnapshot"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetSnapshotRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetSnapshotResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SnapshotServiceMethodDescriptorSupplier("GetSnapshot"))
              .build();
        }
      }
    }
    return getGetSnapshotMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ListSnapshotsRequest,
      dev.nexus.v1.ListSnapshotsResponse> getListSnapshotsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListSnapshots",
      requestType = dev.nexus.v1.ListSnapshotsRequest.class,
      responseType = dev.nexus.v1.ListSnapshotsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ListSnapshotsRequest,
      dev.nexus.v1.ListSnapshotsResponse> getListSnapshotsMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ListSnapshotsRequest, dev.nexus.v1.ListSnapshotsResponse> getListSnapshotsMethod;
    if ((getListSnapshotsMethod = SnapshotServiceGrpc.getListSnapshotsMethod) == null) {
      synchronized (SnapshotServiceGrpc.class) {
        if ((getListSnapshotsMethod = SnapshotServiceGrpc.getListSnapshotsMethod) == null) {
          SnapshotServiceGrpc.getListSnapshotsMethod = getListSnapshotsMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ListSnapshotsRequest, dev.nexus.v1.ListSnapshotsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListSnapshots"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListSnapshotsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListSnapshotsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SnapshotServiceMethodDescriptorSupplier("ListSnapshots"))
              .build();
        }
      }
    }
    return getListSnapshotsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.CreateSnapshotRequest,
      dev.nexus.v1.CreateSnapshotResponse> getCreateSnapshotMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateSnapshot",
      requestType = dev.nexus.v1.CreateSnapshotRequest.class,
      responseType = dev.nexus.v1.CreateSnapshotResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.CreateSnapshotRequest,
      dev.nexus.v1.CreateSnapshotResponse> getCreateSnapshotMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.CreateSnapshotRequest, dev.nexus.v1.CreateSnapshotResponse> getCreateSnapshotMethod;
    if ((getCreateSnapshotMethod = SnapshotServiceGrpc.getCreateSnapshotMethod) == null) {
      synchronized (SnapshotServiceGrpc.class) {
        if ((getCreateSnapshotMethod = SnapshotServiceGrpc.getCreateSnapshotMethod) == null) {
          SnapshotServiceGrpc.getCreateSnapshotMethod = getCreateSnapshotMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.CreateSnapshotRequest, dev.nexus.v1.CreateSnapshotResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateSnapshot"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.CreateSnapshotRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.CreateSnapshotResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SnapshotServiceMethodDescriptorSupplier("CreateSnapshot"))
              .build();
        }
      }
    }
    return getCreateSnapshotMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.DeleteSnapshotsRequest,
      dev.nexus.v1.DeleteSnapshotsResponse> getDeleteSnapshotsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteSnapshots",
      requestType = dev.nexus.v1.DeleteSnapshotsRequest.class,
      responseType = dev.nexus.v1.DeleteSnapshotsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.DeleteSnapshotsRequest,
      dev.nexus.v1.DeleteSnapshotsResponse> getDeleteSnapshotsMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.DeleteSnapshotsRequest, dev.nexus.v1.DeleteSnapshotsResponse> getDeleteSnapshotsMethod;
    if ((getDeleteSnapshotsMethod = SnapshotServiceGrpc.getDeleteSnapshotsMethod) == null) {
      synchronized (SnapshotServiceGrpc.class) {
        if ((getDeleteSnapshotsMethod = SnapshotServiceGrpc.getDeleteSnapshotsMethod) == null) {
          SnapshotServiceGrpc.getDeleteSnapshotsMethod = getDeleteSnapshotsMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.DeleteSnapshotsRequest, dev.nexus.v1.DeleteSnapshotsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteSnapshots"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.DeleteSnapshotsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.DeleteSnapshotsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SnapshotServiceMethodDescriptorSupplier("DeleteSnapshots"))
              .build();
        }
      }
    }
    return getDeleteSnapshotsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.GetSnapshotPolicyRequest,
      dev.nexus.v1.GetSnapshotPolicyResponse> getGetSnapshotPolicyMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetSnapshotPolicy",
      requestType = dev.nexus.v1.GetSnapshotPolicyRequest.class,
      responseType = dev.nexus.v1.GetSnapshotPolicyResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.GetSnapshotPolicyRequest,
      dev.nexus.v1.GetSnapshotPolicyResponse> getGetSnapshotPolicyMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.GetSnapshotPolicyRequest, dev.nexus.v1.GetSnapshotPolicyResponse> getGetSnapshotPolicyMethod;
    if ((getGetSnapshotPolicyMethod = SnapshotServiceGrpc.getGetSnapshotPolicyMethod) == null) {
      synchronized (SnapshotServiceGrpc.class) {
        if ((getGetSnapshotPolicyMethod = SnapshotServiceGrpc.getGetSnapshotPolicyMethod) == null) {
          SnapshotServiceGrpc.getGetSnapshotPolicyMethod = getGetSnapshotPolicyMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.GetSnapshotPolicyRequest, dev.nexus.v1.GetSnapshotPolicyResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetSnapshotPolicy"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetSnapshotPolicyRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetSnapshotPolicyResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SnapshotServiceMethodDescriptorSupplier("GetSnapshotPolicy"))
              .build();
        }
      }
    }
    return getGetSnapshotPolicyMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.SetSnapshotPolicyRequest,
      dev.nexus.v1.SetSnapshotPolicyResponse> getSetSnapshotPolicyMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SetSnapshotPolicy",
      requestType = dev.nexus.v1.SetSnapshotPolicyRequest.class,
      responseType = dev.nexus.v1.SetSnapshotPolicyResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.SetSnapshotPolicyRequest,
      dev.nexus.v1.SetSnapshotPolicyResponse> getSetSnapshotPolicyMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.SetSnapshotPolicyRequest, dev.nexus.v1.SetSnapshotPolicyResponse> getSetSnapshotPolicyMethod;
    if ((getSetSnapshotPolicyMethod = SnapshotServiceGrpc.getSetSnapshotPolicyMethod) == null) {
      synchronized (SnapshotServiceGrpc.class) {
        if ((getSetSnapshotPolicyMethod = SnapshotServiceGrpc.getSetSnapshotPolicyMethod) == null) {
          SnapshotServiceGrpc.getSetSnapshotPolicyMethod = getSetSnapshotPolicyMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.SetSnapshotPolicyRequest, dev.nexus.v1.SetSnapshotPolicyResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SetSnapshotPolicy"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.SetSnapshotPolicyRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.SetSnapshotPolicyResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SnapshotServiceMethodDescriptorSupplier("SetSnapshotPolicy"))
              .build();
        }
      }
    }
    return getSetSnapshotPolicyMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.GetSnapshotStatsRequest,
      dev.nexus.v1.GetSnapshotStatsResponse> getGetSnapshotStatsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetSnapshotStats",
      requestType = dev.nexus.v1.GetSnapshotStatsRequest.class,
      responseType = dev.nexus.v1.GetSnapshotStatsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.GetSnapshotStatsRequest,
      dev.nexus.v1.GetSnapshotStatsResponse> getGetSnapshotStatsMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.GetSnapshotStatsRequest, dev.nexus.v1.GetSnapshotStatsResponse> getGetSnapshotStatsMethod;
    if ((getGetSnapshotStatsMethod = SnapshotServiceGrpc.getGetSnapshotStatsMethod) == null) {
      synchronized (SnapshotServiceGrpc.class) {
        if ((getGetSnapshotStatsMethod = SnapshotServiceGrpc.getGetSnapshotStatsMethod) == null) {
          SnapshotServiceGrpc.getGetSnapshotStatsMethod = getGetSnapshotStatsMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.GetSnapshotStatsRequest, dev.nexus.v1.GetSnapshotStatsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetSnapshotStats"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetSnapshotStatsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetSnapshotStatsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SnapshotServiceMethodDescriptorSupplier("GetSnapshotStats"))
              .build();
        }
      }
    }
    return getGetSnapshotStatsMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static SnapshotServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SnapshotServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SnapshotServiceStub>() {
        @java.lang.Override
        public SnapshotServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SnapshotServiceStub(channel, callOptions);
        }
      };
    return SnapshotServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static SnapshotServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SnapshotServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SnapshotServiceBlockingV2Stub>() {
        @java.lang.Override
        public SnapshotServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SnapshotServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return SnapshotServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static SnapshotServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SnapshotServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SnapshotServiceBlockingStub>() {
        @java.lang.Override
        public SnapshotServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SnapshotServiceBlockingStub(channel, callOptions);
        }
      };
    return SnapshotServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static SnapshotServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SnapshotServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SnapshotServiceFutureStub>() {
        @java.lang.Override
        public SnapshotServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SnapshotServiceFutureStub(channel, callOptions);
        }
      };
    return SnapshotServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * Snapshots of aggregates: an aggregate's state saved at a revision, so a
   * command loads the newest valid snapshot plus the events after it instead
   * of its whole history. Snapshots are taken in the background when a
   * policy's trigger fires (every N events, state size, age) and never delay a
   * command. A snapshot records the handler's state schema version and
   * snapshot version; when either changes, older snapshots are ignored and
   * rebuilt, never misread. Loading with or without snapshots gives the same
   * state.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * One snapshot of an aggregate: the newest, or the one at a revision.
     * </pre>
     */
    default void getSnapshot(dev.nexus.v1.GetSnapshotRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetSnapshotResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetSnapshotMethod(), responseObserver);
    }

    /**
     * <pre>
     * An aggregate's snapshots, newest first, without their states.
     * </pre>
     */
    default void listSnapshots(dev.nexus.v1.ListSnapshotsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListSnapshotsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListSnapshotsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Takes a snapshot of an aggregate now, at its last revision.
     * </pre>
     */
    default void createSnapshot(dev.nexus.v1.CreateSnapshotRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.CreateSnapshotResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateSnapshotMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes an aggregate's snapshots (all, or those at or below a
     * revision). Events are never touched; the next loads fold more events.
     * </pre>
     */
    default void deleteSnapshots(dev.nexus.v1.DeleteSnapshotsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.DeleteSnapshotsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteSnapshotsMethod(), responseObserver);
    }

    /**
     * <pre>
     * The snapshot policy in force for an aggregate type, and where it comes
     * from.
     * </pre>
     */
    default void getSnapshotPolicy(dev.nexus.v1.GetSnapshotPolicyRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetSnapshotPolicyResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetSnapshotPolicyMethod(), responseObserver);
    }

    /**
     * <pre>
     * Sets the snapshot policy of an aggregate type (stored; survives
     * restarts; overrides the configuration). It holds from the next append.
     * </pre>
     */
    default void setSnapshotPolicy(dev.nexus.v1.SetSnapshotPolicyRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.SetSnapshotPolicyResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSetSnapshotPolicyMethod(), responseObserver);
    }

    /**
     * <pre>
     * Counters per aggregate type since the server started: snapshots
     * created, failures, creation time, events replayed per load.
     * </pre>
     */
    default void getSnapshotStats(dev.nexus.v1.GetSnapshotStatsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetSnapshotStatsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetSnapshotStatsMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service SnapshotService.
   * <pre>
   * Snapshots of aggregates: an aggregate's state saved at a revision, so a
   * command loads the newest valid snapshot plus the events after it instead
   * of its whole history. Snapshots are taken in the background when a
   * policy's trigger fires (every N events, state size, age) and never delay a
   * command. A snapshot records the handler's state schema version and
   * snapshot version; when either changes, older snapshots are ignored and
   * rebuilt, never misread. Loading with or without snapshots gives the same
   * state.
   * </pre>
   */
  public static abstract class SnapshotServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return SnapshotServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service SnapshotService.
   * <pre>
   * Snapshots of aggregates: an aggregate's state saved at a revision, so a
   * command loads the newest valid snapshot plus the events after it instead
   * of its whole history. Snapshots are taken in the background when a
   * policy's trigger fires (every N events, state size, age) and never delay a
   * command. A snapshot records the handler's state schema version and
   * snapshot version; when either changes, older snapshots are ignored and
   * rebuilt, never misread. Loading with or without snapshots gives the same
   * state.
   * </pre>
   */
  public static final class SnapshotServiceStub
      extends io.grpc.stub.AbstractAsyncStub<SnapshotServiceStub> {
    private SnapshotServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SnapshotServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SnapshotServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * One snapshot of an aggregate: the newest, or the one at a revision.
     * </pre>
     */
    public void getSnapshot(dev.nexus.v1.GetSnapshotRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetSnapshotResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetSnapshotMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * An aggregate's snapshots, newest first, without their states.
     * </pre>
     */
    public void listSnapshots(dev.nexus.v1.ListSnapshotsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListSnapshotsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListSnapshotsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Takes a snapshot of an aggregate now, at its last revision.
     * </pre>
     */
    public void createSnapshot(dev.nexus.v1.CreateSnapshotRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.CreateSnapshotResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateSnapshotMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes an aggregate's snapshots (all, or those at or below a
     * revision). Events are never touched; the next loads fold more events.
     * </pre>
     */
    public void deleteSnapshots(dev.nexus.v1.DeleteSnapshotsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.DeleteSnapshotsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteSnapshotsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * The snapshot policy in force for an aggregate type, and where it comes
     * from.
     * </pre>
     */
    public void getSnapshotPolicy(dev.nexus.v1.GetSnapshotPolicyRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetSnapshotPolicyResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetSnapshotPolicyMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Sets the snapshot policy of an aggregate type (stored; survives
     * restarts; overrides the configuration). It holds from the next append.
     * </pre>
     */
    public void setSnapshotPolicy(dev.nexus.v1.SetSnapshotPolicyRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.SetSnapshotPolicyResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSetSnapshotPolicyMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Counters per aggregate type since the server started: snapshots
     * created, failures, creation time, events replayed per load.
     * </pre>
     */
    public void getSnapshotStats(dev.nexus.v1.GetSnapshotStatsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetSnapshotStatsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetSnapshotStatsMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service SnapshotService.
   * <pre>
   * Snapshots of aggregates: an aggregate's state saved at a revision, so a
   * command loads the newest valid snapshot plus the events after it instead
   * of its whole history. Snapshots are taken in the background when a
   * policy's trigger fires (every N events, state size, age) and never delay a
   * command. A snapshot records the handler's state schema version and
   * snapshot version; when either changes, older snapshots are ignored and
   * rebuilt, never misread. Loading with or without snapshots gives the same
   * state.
   * </pre>
   */
  public static final class SnapshotServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<SnapshotServiceBlockingV2Stub> {
    private SnapshotServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SnapshotServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SnapshotServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * One snapshot of an aggregate: the newest, or the one at a revision.
     * </pre>
     */
    public dev.nexus.v1.GetSnapshotResponse getSnapshot(dev.nexus.v1.GetSnapshotRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetSnapshotMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * An aggregate's snapshots, newest first, without their states.
     * </pre>
     */
    public dev.nexus.v1.ListSnapshotsResponse listSnapshots(dev.nexus.v1.ListSnapshotsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListSnapshotsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Takes a snapshot of an aggregate now, at its last revision.
     * </pre>
     */
    public dev.nexus.v1.CreateSnapshotResponse createSnapshot(dev.nexus.v1.CreateSnapshotRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCreateSnapshotMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes an aggregate's snapshots (all, or those at or below a
     * revision). Events are never touched; the next loads fold more events.
     * </pre>
     */
    public dev.nexus.v1.DeleteSnapshotsResponse deleteSnapshots(dev.nexus.v1.DeleteSnapshotsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getDeleteSnapshotsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The snapshot policy in force for an aggregate type, and where it comes
     * from.
     * </pre>
     */
    public dev.nexus.v1.GetSnapshotPolicyResponse getSnapshotPolicy(dev.nexus.v1.GetSnapshotPolicyRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetSnapshotPolicyMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sets the snapshot policy of an aggregate type (stored; survives
     * restarts; overrides the configuration). It holds from the next append.
     * </pre>
     */
    public dev.nexus.v1.SetSnapshotPolicyResponse setSnapshotPolicy(dev.nexus.v1.SetSnapshotPolicyRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getSetSnapshotPolicyMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Counters per aggregate type since the server started: snapshots
     * created, failures, creation time, events replayed per load.
     * </pre>
     */
    public dev.nexus.v1.GetSnapshotStatsResponse getSnapshotStats(dev.nexus.v1.GetSnapshotStatsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetSnapshotStatsMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service SnapshotService.
   * <pre>
   * Snapshots of aggregates: an aggregate's state saved at a revision, so a
   * command loads the newest valid snapshot plus the events after it instead
   * of its whole history. Snapshots are taken in the background when a
   * policy's trigger fires (every N events, state size, age) and never delay a
   * command. A snapshot records the handler's state schema version and
   * snapshot version; when either changes, older snapshots are ignored and
   * rebuilt, never misread. Loading with or without snapshots gives the same
   * state.
   * </pre>
   */
  public static final class SnapshotServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<SnapshotServiceBlockingStub> {
    private SnapshotServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SnapshotServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SnapshotServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * One snapshot of an aggregate: the newest, or the one at a revision.
     * </pre>
     */
    public dev.nexus.v1.GetSnapshotResponse getSnapshot(dev.nexus.v1.GetSnapshotRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetSnapshotMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * An aggregate's snapshots, newest first, without their states.
     * </pre>
     */
    public dev.nexus.v1.ListSnapshotsResponse listSnapshots(dev.nexus.v1.ListSnapshotsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListSnapshotsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Takes a snapshot of an aggregate now, at its last revision.
     * </pre>
     */
    public dev.nexus.v1.CreateSnapshotResponse createSnapshot(dev.nexus.v1.CreateSnapshotRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateSnapshotMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes an aggregate's snapshots (all, or those at or below a
     * revision). Events are never touched; the next loads fold more events.
     * </pre>
     */
    public dev.nexus.v1.DeleteSnapshotsResponse deleteSnapshots(dev.nexus.v1.DeleteSnapshotsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteSnapshotsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The snapshot policy in force for an aggregate type, and where it comes
     * from.
     * </pre>
     */
    public dev.nexus.v1.GetSnapshotPolicyResponse getSnapshotPolicy(dev.nexus.v1.GetSnapshotPolicyRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetSnapshotPolicyMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sets the snapshot policy of an aggregate type (stored; survives
     * restarts; overrides the configuration). It holds from the next append.
     * </pre>
     */
    public dev.nexus.v1.SetSnapshotPolicyResponse setSnapshotPolicy(dev.nexus.v1.SetSnapshotPolicyRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSetSnapshotPolicyMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Counters per aggregate type since the server started: snapshots
     * created, failures, creation time, events replayed per load.
     * </pre>
     */
    public dev.nexus.v1.GetSnapshotStatsResponse getSnapshotStats(dev.nexus.v1.GetSnapshotStatsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetSnapshotStatsMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service SnapshotService.
   * <pre>
   * Snapshots of aggregates: an aggregate's state saved at a revision, so a
   * command loads the newest valid snapshot plus the events after it instead
   * of its whole history. Snapshots are taken in the background when a
   * policy's trigger fires (every N events, state size, age) and never delay a
   * command. A snapshot records the handler's state schema version and
   * snapshot version; when either changes, older snapshots are ignored and
   * rebuilt, never misread. Loading with or without snapshots gives the same
   * state.
   * </pre>
   */
  public static final class SnapshotServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<SnapshotServiceFutureStub> {
    private SnapshotServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SnapshotServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SnapshotServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * One snapshot of an aggregate: the newest, or the one at a revision.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.GetSnapshotResponse> getSnapshot(
        dev.nexus.v1.GetSnapshotRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetSnapshotMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * An aggregate's snapshots, newest first, without their states.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ListSnapshotsResponse> listSnapshots(
        dev.nexus.v1.ListSnapshotsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListSnapshotsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Takes a snapshot of an aggregate now, at its last revision.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.CreateSnapshotResponse> createSnapshot(
        dev.nexus.v1.CreateSnapshotRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateSnapshotMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes an aggregate's snapshots (all, or those at or below a
     * revision). Events are never touched; the next loads fold more events.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.DeleteSnapshotsResponse> deleteSnapshots(
        dev.nexus.v1.DeleteSnapshotsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteSnapshotsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * The snapshot policy in force for an aggregate type, and where it comes
     * from.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.GetSnapshotPolicyResponse> getSnapshotPolicy(
        dev.nexus.v1.GetSnapshotPolicyRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetSnapshotPolicyMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Sets the snapshot policy of an aggregate type (stored; survives
     * restarts; overrides the configuration). It holds from the next append.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.SetSnapshotPolicyResponse> setSnapshotPolicy(
        dev.nexus.v1.SetSnapshotPolicyRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSetSnapshotPolicyMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Counters per aggregate type since the server started: snapshots
     * created, failures, creation time, events replayed per load.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.GetSnapshotStatsResponse> getSnapshotStats(
        dev.nexus.v1.GetSnapshotStatsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetSnapshotStatsMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_GET_SNAPSHOT = 0;
  private static final int METHODID_LIST_SNAPSHOTS = 1;
  private static final int METHODID_CREATE_SNAPSHOT = 2;
  private static final int METHODID_DELETE_SNAPSHOTS = 3;
  private static final int METHODID_GET_SNAPSHOT_POLICY = 4;
  private static final int METHODID_SET_SNAPSHOT_POLICY = 5;
  private static final int METHODID_GET_SNAPSHOT_STATS = 6;

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
        case METHODID_GET_SNAPSHOT:
          serviceImpl.getSnapshot((dev.nexus.v1.GetSnapshotRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.GetSnapshotResponse>) responseObserver);
          break;
        case METHODID_LIST_SNAPSHOTS:
          serviceImpl.listSnapshots((dev.nexus.v1.ListSnapshotsRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ListSnapshotsResponse>) responseObserver);
          break;
        case METHODID_CREATE_SNAPSHOT:
          serviceImpl.createSnapshot((dev.nexus.v1.CreateSnapshotRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.CreateSnapshotResponse>) responseObserver);
          break;
        case METHODID_DELETE_SNAPSHOTS:
          serviceImpl.deleteSnapshots((dev.nexus.v1.DeleteSnapshotsRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.DeleteSnapshotsResponse>) responseObserver);
          break;
        case METHODID_GET_SNAPSHOT_POLICY:
          serviceImpl.getSnapshotPolicy((dev.nexus.v1.GetSnapshotPolicyRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.GetSnapshotPolicyResponse>) responseObserver);
          break;
        case METHODID_SET_SNAPSHOT_POLICY:
          serviceImpl.setSnapshotPolicy((dev.nexus.v1.SetSnapshotPolicyRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.SetSnapshotPolicyResponse>) responseObserver);
          break;
        case METHODID_GET_SNAPSHOT_STATS:
          serviceImpl.getSnapshotStats((dev.nexus.v1.GetSnapshotStatsRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.GetSnapshotStatsResponse>) responseObserver);
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
          getGetSnapshotMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.GetSnapshotRequest,
              dev.nexus.v1.GetSnapshotResponse>(
                service, METHODID_GET_SNAPSHOT)))
        .addMethod(
          getListSnapshotsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ListSnapshotsRequest,
              dev.nexus.v1.ListSnapshotsResponse>(
                service, METHODID_LIST_SNAPSHOTS)))
        .addMethod(
          getCreateSnapshotMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.CreateSnapshotRequest,
              dev.nexus.v1.CreateSnapshotResponse>(
                service, METHODID_CREATE_SNAPSHOT)))
        .addMethod(
          getDeleteSnapshotsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.DeleteSnapshotsRequest,
              dev.nexus.v1.DeleteSnapshotsResponse>(
                service, METHODID_DELETE_SNAPSHOTS)))
        .addMethod(
          getGetSnapshotPolicyMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.GetSnapshotPolicyRequest,
              dev.nexus.v1.GetSnapshotPolicyResponse>(
                service, METHODID_GET_SNAPSHOT_POLICY)))
        .addMethod(
          getSetSnapshotPolicyMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.SetSnapshotPolicyRequest,
              dev.nexus.v1.SetSnapshotPolicyResponse>(
                service, METHODID_SET_SNAPSHOT_POLICY)))
        .addMethod(
          getGetSnapshotStatsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.GetSnapshotStatsRequest,
              dev.nexus.v1.GetSnapshotStatsResponse>(
                service, METHODID_GET_SNAPSHOT_STATS)))
        .build();
  }

  private static abstract class SnapshotServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    SnapshotServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.nexus.v1.SnapshotProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("SnapshotService");
    }
  }

  private static final class SnapshotServiceFileDescriptorSupplier
      extends SnapshotServiceBaseDescriptorSupplier {
    SnapshotServiceFileDescriptorSupplier() {}
  }

  private static final class SnapshotServiceMethodDescriptorSupplier
      extends SnapshotServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    SnapshotServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (SnapshotServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new SnapshotServiceFileDescriptorSupplier())
              .addMethod(getGetSnapshotMethod())
              .addMethod(getListSnapshotsMethod())
              .addMethod(getCreateSnapshotMethod())
              .addMethod(getDeleteSnapshotsMethod())
              .addMethod(getGetSnapshotPolicyMethod())
              .addMethod(getSetSnapshotPolicyMethod())
              .addMethod(getGetSnapshotStatsMethod())
              .build();
        }
      }
    }
    return result;
  }
}
