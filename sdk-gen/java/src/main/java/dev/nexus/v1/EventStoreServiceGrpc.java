package dev.nexus.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * EventStoreService is the low-level event log: append events to streams with
 * optimistic concurrency, read and subscribe to one stream or to the global
 * log, and manage stream retention. Most applications send commands through
 * CommandService instead and use this service to read and subscribe.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class EventStoreServiceGrpc {

  private EventStoreServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "nexus.v1.EventStoreService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.AppendToStreamRequest,
      dev.nexus.v1.AppendToStreamResponse> getAppendToStreamMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "AppendToStream",
      requestType = dev.nexus.v1.AppendToStreamRequest.class,
      responseType = dev.nexus.v1.AppendToStreamResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.AppendToStreamRequest,
      dev.nexus.v1.AppendToStreamResponse> getAppendToStreamMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.AppendToStreamRequest, dev.nexus.v1.AppendToStreamResponse> getAppendToStreamMethod;
    if ((getAppendToStreamMethod = EventStoreServiceGrpc.getAppendToStreamMethod) == null) {
      synchronized (EventStoreServiceGrpc.class) {
        if ((getAppendToStreamMethod = EventStoreServiceGrpc.getAppendToStreamMethod) == null) {
          EventStoreServiceGrpc.getAppendToStreamMethod = getAppendToStreamMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.AppendToStreamRequest, dev.nexus.v1.AppendToStreamResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "AppendToStream"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.AppendToStreamRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.AppendToStreamResponse.getDefaultInstance()))
              .setSchemaDescriptor(new EventStoreServiceMethodDescriptorSupplier("AppendToStream"))
              .build();
        }
      }
    }
    return getAppendToStreamMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ReadStreamRequest,
      dev.nexus.v1.ReadStreamResponse> getReadStreamMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ReadStream",
      requestType = dev.nexus.v1.ReadStreamRequest.class,
      responseType = dev.nexus.v1.ReadStreamResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ReadStreamRequest,
      dev.nexus.v1.ReadStreamResponse> getReadStreamMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ReadStreamRequest, dev.nexus.v1.ReadStreamResponse> getReadStreamMethod;
    if ((getReadStreamMethod = EventStoreServiceGrpc.getReadStreamMethod) == null) {
      synchronized (EventStoreServiceGrpc.class) {
        if ((getReadStreamMethod = EventStoreServiceGrpc.getReadStreamMethod) == null) {
          EventStoreServiceGrpc.getReadStreamMethod = getReadStreamMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ReadStreamRequest, dev.nexus.v1.ReadStreamResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ReadStream"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ReadStreamRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ReadStreamResponse.getDefaultInstance()))
              .setSchemaDescriptor(new EventStoreServiceMethodDescriptorSupplier("ReadStream"))
              .build();
        }
      }
    }
    return getReadStreamMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ReadAllRequest,
      dev.nexus.v1.ReadAllResponse> getReadAllMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ReadAll",
      requestType = dev.nexus.v1.ReadAllRequest.class,
      responseType = dev.nexus.v1.ReadAllResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ReadAllRequest,
      dev.nexus.v1.ReadAllResponse> getReadAllMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ReadAllRequest, dev.nexus.v1.ReadAllResponse> getReadAllMethod;
    if ((getReadAllMethod = EventStoreServiceGrpc.getReadAllMethod) == null) {
      synchronized (EventStoreServiceGrpc.class) {
        if ((getReadAllMethod = EventStoreServiceGrpc.getReadAllMethod) == null) {
          EventStoreServiceGrpc.getReadAllMethod = getReadAllMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ReadAllRequest, dev.nexus.v1.ReadAllResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ReadAll"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ReadAllRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ReadAllResponse.getDefaultInstance()))
              .setSchemaDescriptor(new EventStoreServiceMethodDescriptorSupplier("ReadAll"))
              .build();
        }
      }
    }
    return getReadAllMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.SubscribeAllRequest,
      dev.nexus.v1.SubscribeAllResponse> getSubscribeAllMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SubscribeAll",
      requestType = dev.nexus.v1.SubscribeAllRequest.class,
      responseType = dev.nexus.v1.SubscribeAllResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.SubscribeAllRequest,
      dev.nexus.v1.SubscribeAllResponse> getSubscribeAllMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.SubscribeAllRequest, dev.nexus.v1.SubscribeAllResponse> getSubscribeAllMethod;
    if ((getSubscribeAllMethod = EventStoreServiceGrpc.getSubscribeAllMethod) == null) {
      synchronized (EventStoreServiceGrpc.class) {
        if ((getSubscribeAllMethod = EventStoreServiceGrpc.getSubscribeAllMethod) == null) {
          EventStoreServiceGrpc.getSubscribeAllMethod = getSubscribeAllMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.SubscribeAllRequest, dev.nexus.v1.SubscribeAllResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SubscribeAll"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.SubscribeAllRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.SubscribeAllResponse.getDefaultInstance()))
              .setSchemaDescriptor(new EventStoreServiceMethodDescriptorSupplier("SubscribeAll"))
              .build();
        }
      }
    }
    return getSubscribeAllMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.SubscribeStreamRequest,
      dev.nexus.v1.SubscribeStreamResponse> getSubscribeStreamMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SubscribeStream",
      requestType = dev.nexus.v1.SubscribeStreamRequest.class,
      responseType = dev.nexus.v1.SubscribeStreamResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.SubscribeStreamRequest,
      dev.nexus.v1.SubscribeStreamResponse> getSubscribeStreamMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.SubscribeStreamRequest, dev.nexus.v1.SubscribeStreamResponse> getSubscribeStreamMethod;
    if ((getSubscribeStreamMethod = EventStoreServiceGrpc.getSubscribeStreamMethod) == null) {
      synchronized (EventStoreServiceGrpc.class) {
        if ((getSubscribeStreamMethod = EventStoreServiceGrpc.getSubscribeStreamMethod) == null) {
          EventStoreServiceGrpc.getSubscribeStreamMethod = getSubscribeStreamMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.SubscribeStreamRequest, dev.nexus.v1.SubscribeStreamResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SubscribeStream"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.SubscribeStreamRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.SubscribeStreamResponse.getDefaultInstance()))
              .setSchemaDescriptor(new EventStoreServiceMethodDescriptorSupplier("SubscribeStream"))
              .build();
        }
      }
    }
    return getSubscribeStreamMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.GetStreamMetadataRequest,
      dev.nexus.v1.GetStreamMetadataResponse> getGetStreamMetadataMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetStreamMetadata",
      requestType = dev.nexus.v1.GetStreamMetadataRequest.class,
      responseType = dev.nexus.v1.GetStreamMetadataResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.GetStreamMetadataRequest,
      dev.nexus.v1.GetStreamMetadataResponse> getGetStreamMetadataMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.GetStreamMetadataRequest, dev.nexus.v1.GetStreamMetadataResponse> getGetStreamMetadataMethod;
    if ((getGetStreamMetadataMethod = EventStoreServiceGrpc.getGetStreamMetadataMethod) == null) {
      synchronized (EventStoreServiceGrpc.class) {
        if ((getGetStreamMetadataMethod = EventStoreServiceGrpc.getGetStreamMetadataMethod) == null) {
          EventStoreServiceGrpc.getGetStreamMetadataMethod = getGetStreamMetadataMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.GetStreamMetadataRequest, dev.nexus.v1.GetStreamMetadataResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetStreamMetadata"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetStreamMetadataRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetStreamMetadataResponse.getDefaultInstance()))
              .setSchemaDescriptor(new EventStoreServiceMethodDescriptorSupplier("GetStreamMetadata"))
              .build();
        }
      }
    }
    return getGetStreamMetadataMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.SetStreamMetadataRequest,
      dev.nexus.v1.SetStreamMetadataResponse> getSetStreamMetadataMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SetStreamMetadata",
      requestType = dev.nexus.v1.SetStreamMetadataRequest.class,
      responseType = dev.nexus.v1.SetStreamMetadataResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.SetStreamMetadataRequest,
      dev.nexus.v1.SetStreamMetadataResponse> getSetStreamMetadataMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.SetStreamMetadataRequest, dev.nexus.v1.SetStreamMetadataResponse> getSetStreamMetadataMethod;
    if ((getSetStreamMetadataMethod = EventStoreServiceGrpc.getSetStreamMetadataMethod) == null) {
      synchronized (EventStoreServiceGrpc.class) {
        if ((getSetStreamMetadataMethod = EventStoreServiceGrpc.getSetStreamMetadataMethod) == null) {
          EventStoreServiceGrpc.getSetStreamMetadataMethod = getSetStreamMetadataMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.SetStreamMetadataRequest, dev.nexus.v1.SetStreamMetadataResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SetStreamMetadata"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.SetStreamMetadataRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.SetStreamMetadataResponse.getDefaultInstance()))
              .setSchemaDescriptor(new EventStoreServiceMethodDescriptorSupplier("SetStreamMetadata"))
              .build();
        }
      }
    }
    return getSetStreamMetadataMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.DeleteStreamRequest,
      dev.nexus.v1.DeleteStreamResponse> getDeleteStreamMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteStream",
      requestType = dev.nexus.v1.DeleteStreamRequest.class,
      responseType = dev.nexus.v1.DeleteStreamResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.DeleteStreamRequest,
      dev.nexus.v1.DeleteStreamResponse> getDeleteStreamMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.DeleteStreamRequest, dev.nexus.v1.DeleteStreamResponse> getDeleteStreamMethod;
    if ((getDeleteStreamMethod = EventStoreServiceGrpc.getDeleteStreamMethod) == null) {
      synchronized (EventStoreServiceGrpc.class) {
        if ((getDeleteStreamMethod = EventStoreServiceGrpc.getDeleteStreamMethod) == null) {
          EventStoreServiceGrpc.getDeleteStreamMethod = getDeleteStreamMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.DeleteStreamRequest, dev.nexus.v1.DeleteStreamResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteStream"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.DeleteStreamRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.DeleteStreamResponse.getDefaultInstance()))
              .setSchemaDescriptor(new EventStoreServiceMethodDescriptorSupplier("DeleteStream"))
              .build();
        }
      }
    }
    return getDeleteStreamMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static EventStoreServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<EventStoreServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<EventStoreServiceStub>() {
        @java.lang.Override
        public EventStoreServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new EventStoreServiceStub(channel, callOptions);
        }
      };
    return EventStoreServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static EventStoreServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<EventStoreServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<EventStoreServiceBlockingV2Stub>() {
        @java.lang.Override
        public EventStoreServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new EventStoreServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return EventStoreServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static EventStoreServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<EventStoreServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<EventStoreServiceBlockingStub>() {
        @java.lang.Override
        public EventStoreServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new EventStoreServiceBlockingStub(channel, callOptions);
        }
      };
    return EventStoreServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static EventStoreServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<EventStoreServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<EventStoreServiceFutureStub>() {
        @java.lang.Override
        public EventStoreServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new EventStoreServiceFutureStub(channel, callOptions);
        }
      };
    return EventStoreServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * EventStoreService is the low-level event log: append events to streams with
   * optimistic concurrency, read and subscribe to one stream or to the global
   * log, and manage stream retention. Most applications send commands through
   * CommandService instead and use this service to read and subscribe.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Appends events to one stream atomically: all are stored or none is.
     * Errors: ABORTED (reason WRONG_EXPECTED_VERSION, with the actual revision
     * in the error metadata), ALREADY_EXISTS (reason EVENT_ID_CONFLICT: an event
     * id was already used for different content), FAILED_PRECONDITION (reason
     * STREAM_TOMBSTONED), INVALID_ARGUMENT (BadRequest field violations).
     * Retrying the same append (same event ids, same expected revision) returns
     * the original result and writes nothing.
     * </pre>
     */
    default void appendToStream(dev.nexus.v1.AppendToStreamRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.AppendToStreamResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getAppendToStreamMethod(), responseObserver);
    }

    /**
     * <pre>
     * Reads one page of a stream, forwards or backwards. Errors: NOT_FOUND
     * (reason STREAM_NOT_FOUND: never written, or soft-deleted),
     * FAILED_PRECONDITION (reason STREAM_TOMBSTONED).
     * </pre>
     */
    default void readStream(dev.nexus.v1.ReadStreamRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ReadStreamResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getReadStreamMethod(), responseObserver);
    }

    /**
     * <pre>
     * Reads one page of the global log in commit order, optionally filtered.
     * </pre>
     */
    default void readAll(dev.nexus.v1.ReadAllRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ReadAllResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getReadAllMethod(), responseObserver);
    }

    /**
     * <pre>
     * Streams the global log: first the history from the requested position,
     * then a CaughtUp message, then new events as they are committed. Never
     * skips a committed event. Sends Checkpoint messages while events are
     * filtered out and while idle. Resume after the last event or checkpoint
     * position received.
     * </pre>
     */
    default void subscribeAll(dev.nexus.v1.SubscribeAllRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.SubscribeAllResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSubscribeAllMethod(), responseObserver);
    }

    /**
     * <pre>
     * Streams one stream: history from the requested revision, a CaughtUp
     * message, then new events. Waits for the stream if it does not exist yet.
     * </pre>
     */
    default void subscribeStream(dev.nexus.v1.SubscribeStreamRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.SubscribeStreamResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSubscribeStreamMethod(), responseObserver);
    }

    /**
     * <pre>
     * Returns a stream's retention metadata and state.
     * </pre>
     */
    default void getStreamMetadata(dev.nexus.v1.GetStreamMetadataRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetStreamMetadataResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetStreamMetadataMethod(), responseObserver);
    }

    /**
     * <pre>
     * Replaces a stream's retention metadata.
     * </pre>
     */
    default void setStreamMetadata(dev.nexus.v1.SetStreamMetadataRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.SetStreamMetadataResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSetStreamMetadataMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes a stream. A soft delete hides its events; appending again
     * recreates it with revisions continuing after the old ones. A tombstone
     * deletes it for ever: later appends fail with FAILED_PRECONDITION.
     * </pre>
     */
    default void deleteStream(dev.nexus.v1.DeleteStreamRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.DeleteStreamResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteStreamMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service EventStoreService.
   * <pre>
   * EventStoreService is the low-level event log: append events to streams with
   * optimistic concurrency, read and subscribe to one stream or to the global
   * log, and manage stream retention. Most applications send commands through
   * CommandService instead and use this service to read and subscribe.
   * </pre>
   */
  public static abstract class EventStoreServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return EventStoreServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service EventStoreService.
   * <pre>
   * EventStoreService is the low-level event log: append events to streams with
   * optimistic concurrency, read and subscribe to one stream or to the global
   * log, and manage stream retention. Most applications send commands through
   * CommandService instead and use this service to read and subscribe.
   * </pre>
   */
  public static final class EventStoreServiceStub
      extends io.grpc.stub.AbstractAsyncStub<EventStoreServiceStub> {
    private EventStoreServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected EventStoreServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new EventStoreServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Appends events to one stream atomically: all are stored or none is.
     * Errors: ABORTED (reason WRONG_EXPECTED_VERSION, with the actual revision
     * in the error metadata), ALREADY_EXISTS (reason EVENT_ID_CONFLICT: an event
     * id was already used for different content), FAILED_PRECONDITION (reason
     * STREAM_TOMBSTONED), INVALID_ARGUMENT (BadRequest field violations).
     * Retrying the same append (same event ids, same expected revision) returns
     * the original result and writes nothing.
     * </pre>
     */
    public void appendToStream(dev.nexus.v1.AppendToStreamRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.AppendToStreamResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getAppendToStreamMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Reads one page of a stream, forwards or backwards. Errors: NOT_FOUND
     * (reason STREAM_NOT_FOUND: never written, or soft-deleted),
     * FAILED_PRECONDITION (reason STREAM_TOMBSTONED).
     * </pre>
     */
    public void readStream(dev.nexus.v1.ReadStreamRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ReadStreamResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getReadStreamMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Reads one page of the global log in commit order, optionally filtered.
     * </pre>
     */
    public void readAll(dev.nexus.v1.ReadAllRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ReadAllResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getReadAllMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Streams the global log: first the history from the requested position,
     * then a CaughtUp message, then new events as they are committed. Never
     * skips a committed event. Sends Checkpoint messages while events are
     * filtered out and while idle. Resume after the last event or checkpoint
     * position received.
     * </pre>
     */
    public void subscribeAll(dev.nexus.v1.SubscribeAllRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.SubscribeAllResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getSubscribeAllMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Streams one stream: history from the requested revision, a CaughtUp
     * message, then new events. Waits for the stream if it does not exist yet.
     * </pre>
     */
    public void subscribeStream(dev.nexus.v1.SubscribeStreamRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.SubscribeStreamResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getSubscribeStreamMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Returns a stream's retention metadata and state.
     * </pre>
     */
    public void getStreamMetadata(dev.nexus.v1.GetStreamMetadataRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetStreamMetadataResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetStreamMetadataMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Replaces a stream's retention metadata.
     * </pre>
     */
    public void setStreamMetadata(dev.nexus.v1.SetStreamMetadataRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.SetStreamMetadataResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSetStreamMetadataMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes a stream. A soft delete hides its events; appending again
     * recreates it with revisions continuing after the old ones. A tombstone
     * deletes it for ever: later appends fail with FAILED_PRECONDITION.
     * </pre>
     */
    public void deleteStream(dev.nexus.v1.DeleteStreamRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.DeleteStreamResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteStreamMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service EventStoreService.
   * <pre>
   * EventStoreService is the low-level event log: append events to streams with
   * optimistic concurrency, read and subscribe to one stream or to the global
   * log, and manage stream retention. Most applications send commands through
   * CommandService instead and use this service to read and subscribe.
   * </pre>
   */
  public static final class EventStoreServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<EventStoreServiceBlockingV2Stub> {
    private EventStoreServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected EventStoreServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new EventStoreServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Appends events to one stream atomically: all are stored or none is.
     * Errors: ABORTED (reason WRONG_EXPECTED_VERSION, with the actual revision
     * in the error metadata), ALREADY_EXISTS (reason EVENT_ID_CONFLICT: an event
     * id was already used for different content), FAILED_PRECONDITION (reason
     * STREAM_TOMBSTONED), INVALID_ARGUMENT (BadRequest field violations).
     * Retrying the same append (same event ids, same expected revision) returns
     * the original result and writes nothing.
     * </pre>
     */
    public dev.nexus.v1.AppendToStreamResponse appendToStream(dev.nexus.v1.AppendToStreamRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getAppendToStreamMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reads one page of a stream, forwards or backwards. Errors: NOT_FOUND
     * (reason STREAM_NOT_FOUND: never written, or soft-deleted),
     * FAILED_PRECONDITION (reason STREAM_TOMBSTONED).
     * </pre>
     */
    public dev.nexus.v1.ReadStreamResponse readStream(dev.nexus.v1.ReadStreamRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getReadStreamMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reads one page of the global log in commit order, optionally filtered.
     * </pre>
     */
    public dev.nexus.v1.ReadAllResponse readAll(dev.nexus.v1.ReadAllRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getReadAllMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams the global log: first the history from the requested position,
     * then a CaughtUp message, then new events as they are committed. Never
     * skips a committed event. Sends Checkpoint messages while events are
     * filtered out and while idle. Resume after the last event or checkpoint
     * position received.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<?, dev.nexus.v1.SubscribeAllResponse>
        subscribeAll(dev.nexus.v1.SubscribeAllRequest request) {
      return io.grpc.stub.ClientCalls.blockingV2ServerStreamingCall(
          getChannel(), getSubscribeAllMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams one stream: history from the requested revision, a CaughtUp
     * message, then new events. Waits for the stream if it does not exist yet.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<?, dev.nexus.v1.SubscribeStreamResponse>
        subscribeStream(dev.nexus.v1.SubscribeStreamRequest request) {
      return io.grpc.stub.ClientCalls.blockingV2ServerStreamingCall(
          getChannel(), getSubscribeStreamMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a stream's retention metadata and state.
     * </pre>
     */
    public dev.nexus.v1.GetStreamMetadataResponse getStreamMetadata(dev.nexus.v1.GetStreamMetadataRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetStreamMetadataMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Replaces a stream's retention metadata.
     * </pre>
     */
    public dev.nexus.v1.SetStreamMetadataResponse setStreamMetadata(dev.nexus.v1.SetStreamMetadataRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getSetStreamMetadataMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a stream. A soft delete hides its events; appending again
     * recreates it with revisions continuing after the old ones. A tombstone
     * deletes it for ever: later appends fail with FAILED_PRECONDITION.
     * </pre>
     */
    public dev.nexus.v1.DeleteStreamResponse deleteStream(dev.nexus.v1.DeleteStreamRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getDeleteStreamMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service EventStoreService.
   * <pre>
   * EventStoreService is the low-level event log: append events to streams with
   * optimistic concurrency, read and subscribe to one stream or to the global
   * log, and manage stream retention. Most applications send commands through
   * CommandService instead and use this service to read and subscribe.
   * </pre>
   */
  public static final class EventStoreServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<EventStoreServiceBlockingStub> {
    private EventStoreServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected EventStoreServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new EventStoreServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Appends events to one stream atomically: all are stored or none is.
     * Errors: ABORTED (reason WRONG_EXPECTED_VERSION, with the actual revision
     * in the error metadata), ALREADY_EXISTS (reason EVENT_ID_CONFLICT: an event
     * id was already used for different content), FAILED_PRECONDITION (reason
     * STREAM_TOMBSTONED), INVALID_ARGUMENT (BadRequest field violations).
     * Retrying the same append (same event ids, same expected revision) returns
     * the original result and writes nothing.
     * </pre>
     */
    public dev.nexus.v1.AppendToStreamResponse appendToStream(dev.nexus.v1.AppendToStreamRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getAppendToStreamMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reads one page of a stream, forwards or backwards. Errors: NOT_FOUND
     * (reason STREAM_NOT_FOUND: never written, or soft-deleted),
     * FAILED_PRECONDITION (reason STREAM_TOMBSTONED).
     * </pre>
     */
    public dev.nexus.v1.ReadStreamResponse readStream(dev.nexus.v1.ReadStreamRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getReadStreamMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reads one page of the global log in commit order, optionally filtered.
     * </pre>
     */
    public dev.nexus.v1.ReadAllResponse readAll(dev.nexus.v1.ReadAllRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getReadAllMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams the global log: first the history from the requested position,
     * then a CaughtUp message, then new events as they are committed. Never
     * skips a committed event. Sends Checkpoint messages while events are
     * filtered out and while idle. Resume after the last event or checkpoint
     * position received.
     * </pre>
     */
    public java.util.Iterator<dev.nexus.v1.SubscribeAllResponse> subscribeAll(
        dev.nexus.v1.SubscribeAllRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getSubscribeAllMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Streams one stream: history from the requested revision, a CaughtUp
     * message, then new events. Waits for the stream if it does not exist yet.
     * </pre>
     */
    public java.util.Iterator<dev.nexus.v1.SubscribeStreamResponse> subscribeStream(
        dev.nexus.v1.SubscribeStreamRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getSubscribeStreamMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Returns a stream's retention metadata and state.
     * </pre>
     */
    public dev.nexus.v1.GetStreamMetadataResponse getStreamMetadata(dev.nexus.v1.GetStreamMetadataRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetStreamMetadataMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Replaces a stream's retention metadata.
     * </pre>
     */
    public dev.nexus.v1.SetStreamMetadataResponse setStreamMetadata(dev.nexus.v1.SetStreamMetadataRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSetStreamMetadataMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a stream. A soft delete hides its events; appending again
     * recreates it with revisions continuing after the old ones. A tombstone
     * deletes it for ever: later appends fail with FAILED_PRECONDITION.
     * </pre>
     */
    public dev.nexus.v1.DeleteStreamResponse deleteStream(dev.nexus.v1.DeleteStreamRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteStreamMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service EventStoreService.
   * <pre>
   * EventStoreService is the low-level event log: append events to streams with
   * optimistic concurrency, read and subscribe to one stream or to the global
   * log, and manage stream retention. Most applications send commands through
   * CommandService instead and use this service to read and subscribe.
   * </pre>
   */
  public static final class EventStoreServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<EventStoreServiceFutureStub> {
    private EventStoreServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected EventStoreServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new EventStoreServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Appends events to one stream atomically: all are stored or none is.
     * Errors: ABORTED (reason WRONG_EXPECTED_VERSION, with the actual revision
     * in the error metadata), ALREADY_EXISTS (reason EVENT_ID_CONFLICT: an event
     * id was already used for different content), FAILED_PRECONDITION (reason
     * STREAM_TOMBSTONED), INVALID_ARGUMENT (BadRequest field violations).
     * Retrying the same append (same event ids, same expected revision) returns
     * the original result and writes nothing.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.AppendToStreamResponse> appendToStream(
        dev.nexus.v1.AppendToStreamRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getAppendToStreamMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Reads one page of a stream, forwards or backwards. Errors: NOT_FOUND
     * (reason STREAM_NOT_FOUND: never written, or soft-deleted),
     * FAILED_PRECONDITION (reason STREAM_TOMBSTONED).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ReadStreamResponse> readStream(
        dev.nexus.v1.ReadStreamRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getReadStreamMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Reads one page of the global log in commit order, optionally filtered.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ReadAllResponse> readAll(
        dev.nexus.v1.ReadAllRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getReadAllMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Returns a stream's retention metadata and state.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.GetStreamMetadataResponse> getStreamMetadata(
        dev.nexus.v1.GetStreamMetadataRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetStreamMetadataMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Replaces a stream's retention metadata.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.SetStreamMetadataResponse> setStreamMetadata(
        dev.nexus.v1.SetStreamMetadataRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSetStreamMetadataMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes a stream. A soft delete hides its events; appending again
     * recreates it with revisions continuing after the old ones. A tombstone
     * deletes it for ever: later appends fail with FAILED_PRECONDITION.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.DeleteStreamResponse> deleteStream(
        dev.nexus.v1.DeleteStreamRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteStreamMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_APPEND_TO_STREAM = 0;
  private static final int METHODID_READ_STREAM = 1;
  private static final int METHODID_READ_ALL = 2;
  private static final int METHODID_SUBSCRIBE_ALL = 3;
  private static final int METHODID_SUBSCRIBE_STREAM = 4;
  private static final int METHODID_GET_STREAM_METADATA = 5;
  private static final int METHODID_SET_STREAM_METADATA = 6;
  private static final int METHODID_DELETE_STREAM = 7;

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
        case METHODID_APPEND_TO_STREAM:
          serviceImpl.appendToStream((dev.nexus.v1.AppendToStreamRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.AppendToStreamResponse>) responseObserver);
          break;
        case METHODID_READ_STREAM:
          serviceImpl.readStream((dev.nexus.v1.ReadStreamRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ReadStreamResponse>) responseObserver);
          break;
        case METHODID_READ_ALL:
          serviceImpl.readAll((dev.nexus.v1.ReadAllRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ReadAllResponse>) responseObserver);
          break;
        case METHODID_SUBSCRIBE_ALL:
          serviceImpl.subscribeAll((dev.nexus.v1.SubscribeAllRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.SubscribeAllResponse>) responseObserver);
          break;
        case METHODID_SUBSCRIBE_STREAM:
          serviceImpl.subscribeStream((dev.nexus.v1.SubscribeStreamRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.SubscribeStreamResponse>) responseObserver);
          break;
        case METHODID_GET_STREAM_METADATA:
          serviceImpl.getStreamMetadata((dev.nexus.v1.GetStreamMetadataRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.GetStreamMetadataResponse>) responseObserver);
          break;
        case METHODID_SET_STREAM_METADATA:
          serviceImpl.setStreamMetadata((dev.nexus.v1.SetStreamMetadataRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.SetStreamMetadataResponse>) responseObserver);
          break;
        case METHODID_DELETE_STREAM:
          serviceImpl.deleteStream((dev.nexus.v1.DeleteStreamRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.DeleteStreamResponse>) responseObserver);
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
          getAppendToStreamMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.AppendToStreamRequest,
              dev.nexus.v1.AppendToStreamResponse>(
                service, METHODID_APPEND_TO_STREAM)))
        .addMethod(
          getReadStreamMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ReadStreamRequest,
              dev.nexus.v1.ReadStreamResponse>(
                service, METHODID_READ_STREAM)))
        .addMethod(
          getReadAllMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ReadAllRequest,
              dev.nexus.v1.ReadAllResponse>(
                service, METHODID_READ_ALL)))
        .addMethod(
          getSubscribeAllMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              dev.nexus.v1.SubscribeAllRequest,
              dev.nexus.v1.SubscribeAllResponse>(
                service, METHODID_SUBSCRIBE_ALL)))
        .addMethod(
          getSubscribeStreamMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              dev.nexus.v1.SubscribeStreamRequest,
              dev.nexus.v1.SubscribeStreamResponse>(
                service, METHODID_SUBSCRIBE_STREAM)))
        .addMethod(
          getGetStreamMetadataMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.GetStreamMetadataRequest,
              dev.nexus.v1.GetStreamMetadataResponse>(
                service, METHODID_GET_STREAM_METADATA)))
        .addMethod(
          getSetStreamMetadataMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.SetStreamMetadataRequest,
              dev.nexus.v1.SetStreamMetadataResponse>(
                service, METHODID_SET_STREAM_METADATA)))
        .addMethod(
          getDeleteStreamMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.DeleteStreamRequest,
              dev.nexus.v1.DeleteStreamResponse>(
                service, METHODID_DELETE_STREAM)))
        .build();
  }

  private static abstract class EventStoreServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    EventStoreServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.nexus.v1.EventStoreProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("EventStoreService");
    }
  }

  private static final class EventStoreServiceFileDescriptorSupplier
      extends EventStoreServiceBaseDescriptorSupplier {
    EventStoreServiceFileDescriptorSupplier() {}
  }

  private static final class EventStoreServiceMethodDescriptorSupplier
      extends EventStoreServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    EventStoreServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (EventStoreServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new EventStoreServiceFileDescriptorSupplier())
              .addMethod(getAppendToStreamMethod())
              .addMethod(getReadStreamMethod())
              .addMethod(getReadAllMethod())
              .addMethod(getSubscribeAllMethod())
              .addMethod(getSubscribeStreamMethod())
              .addMethod(getGetStreamMetadataMethod())
              .addMethod(getSetStreamMetadataMethod())
              .addMethod(getDeleteStreamMethod())
              .build();
        }
      }
    }
    return result;
  }
}
