package dev.nexus.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * The queue path: events whose type is routed "secondary" are fanned out to
 * one durable queue per consumer. Deliveries are at-least-once and unordered;
 * a received message is invisible to other receivers for the visibility
 * timeout; a failed delivery (nack or timeout) comes back after an
 * exponential backoff, and after max_deliveries failed deliveries (5 by
 * default) the message moves to the consumer's dead-letter queue.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class QueueServiceGrpc {

  private QueueServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "nexus.v1.QueueService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.CreateConsumerRequest,
      dev.nexus.v1.CreateConsumerResponse> getCreateConsumerMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateConsumer",
      requestType = dev.nexus.v1.CreateConsumerRequest.class,
      responseType = dev.nexus.v1.CreateConsumerResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.CreateConsumerRequest,
      dev.nexus.v1.CreateConsumerResponse> getCreateConsumerMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.CreateConsumerRequest, dev.nexus.v1.CreateConsumerResponse> getCreateConsumerMethod;
    if ((getCreateConsumerMethod = QueueServiceGrpc.getCreateConsumerMethod) == null) {
      synchronized (QueueServiceGrpc.class) {
        if ((getCreateConsumerMethod = QueueServiceGrpc.getCreateConsumerMethod) == null) {
          QueueServiceGrpc.getCreateConsumerMethod = getCreateConsumerMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.CreateConsumerRequest, dev.nexus.v1.CreateConsumerResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateConsumer"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.CreateConsumerRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.CreateConsumerResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueueServiceMethodDescriptorSupplier("CreateConsumer"))
              .build();
        }
      }
    }
    return getCreateConsumerMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.DeleteConsumerRequest,
      dev.nexus.v1.DeleteConsumerResponse> getDeleteConsumerMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteConsumer",
      requestType = dev.nexus.v1.DeleteConsumerRequest.class,
      responseType = dev.nexus.v1.DeleteConsumerResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.DeleteConsumerRequest,
      dev.nexus.v1.DeleteConsumerResponse> getDeleteConsumerMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.DeleteConsumerRequest, dev.nexus.v1.DeleteConsumerResponse> getDeleteConsumerMethod;
    if ((getDeleteConsumerMethod = QueueServiceGrpc.getDeleteConsumerMethod) == null) {
      synchronized (QueueServiceGrpc.class) {
        if ((getDeleteConsumerMethod = QueueServiceGrpc.getDeleteConsumerMethod) == null) {
          QueueServiceGrpc.getDeleteConsumerMethod = getDeleteConsumerMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.DeleteConsumerRequest, dev.nexus.v1.DeleteConsumerResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteConsumer"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.DeleteConsumerRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.DeleteConsumerResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueueServiceMethodDescriptorSupplier("DeleteConsumer"))
              .build();
        }
      }
    }
    return getDeleteConsumerMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ListConsumersRequest,
      dev.nexus.v1.ListConsumersResponse> getListConsumersMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListConsumers",
      requestType = dev.nexus.v1.ListConsumersRequest.class,
      responseType = dev.nexus.v1.ListConsumersResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ListConsumersRequest,
      dev.nexus.v1.ListConsumersResponse> getListConsumersMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ListConsumersRequest, dev.nexus.v1.ListConsumersResponse> getListConsumersMethod;
    if ((getListConsumersMethod = QueueServiceGrpc.getListConsumersMethod) == null) {
      synchronized (QueueServiceGrpc.class) {
        if ((getListConsumersMethod = QueueServiceGrpc.getListConsumersMethod) == null) {
          QueueServiceGrpc.getListConsumersMethod = getListConsumersMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ListConsumersRequest, dev.nexus.v1.ListConsumersResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListConsumers"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListConsumersRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListConsumersResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueueServiceMethodDescriptorSupplier("ListConsumers"))
              .build();
        }
      }
    }
    return getListConsumersMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.GetConsumerRequest,
      dev.nexus.v1.GetConsumerResponse> getGetConsumerMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetConsumer",
      requestType = dev.nexus.v1.GetConsumerRequest.class,
      responseType = dev.nexus.v1.GetConsumerResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.GetConsumerRequest,
      dev.nexus.v1.GetConsumerResponse> getGetConsumerMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.GetConsumerRequest, dev.nexus.v1.GetConsumerResponse> getGetConsumerMethod;
    if ((getGetConsumerMethod = QueueServiceGrpc.getGetConsumerMethod) == null) {
      synchronized (QueueServiceGrpc.class) {
        if ((getGetConsumerMethod = QueueServiceGrpc.getGetConsumerMethod) == null) {
          QueueServiceGrpc.getGetConsumerMethod = getGetConsumerMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.GetConsumerRequest, dev.nexus.v1.GetConsumerResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetConsumer"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetConsumerRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetConsumerResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueueServiceMethodDescriptorSupplier("GetConsumer"))
              .build();
        }
      }
    }
    return getGetConsumerMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ConsumeRequest,
      dev.nexus.v1.ConsumeResponse> getConsumeMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Consume",
      requestType = dev.nexus.v1.ConsumeRequest.class,
      responseType = dev.nexus.v1.ConsumeResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ConsumeRequest,
      dev.nexus.v1.ConsumeResponse> getConsumeMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ConsumeRequest, dev.nexus.v1.ConsumeResponse> getConsumeMethod;
    if ((getConsumeMethod = QueueServiceGrpc.getConsumeMethod) == null) {
      synchronized (QueueServiceGrpc.class) {
        if ((getConsumeMethod = QueueServiceGrpc.getConsumeMethod) == null) {
          QueueServiceGrpc.getConsumeMethod = getConsumeMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ConsumeRequest, dev.nexus.v1.ConsumeResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Consume"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ConsumeRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ConsumeResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueueServiceMethodDescriptorSupplier("Consume"))
              .build();
        }
      }
    }
    return getConsumeMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ListDeadLettersRequest,
      dev.nexus.v1.ListDeadLettersResponse> getListDeadLettersMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListDeadLetters",
      requestType = dev.nexus.v1.ListDeadLettersRequest.class,
      responseType = dev.nexus.v1.ListDeadLettersResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ListDeadLettersRequest,
      dev.nexus.v1.ListDeadLettersResponse> getListDeadLettersMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ListDeadLettersRequest, dev.nexus.v1.ListDeadLettersResponse> getListDeadLettersMethod;
    if ((getListDeadLettersMethod = QueueServiceGrpc.getListDeadLettersMethod) == null) {
      synchronized (QueueServiceGrpc.class) {
        if ((getListDeadLettersMethod = QueueServiceGrpc.getListDeadLettersMethod) == null) {
          QueueServiceGrpc.getListDeadLettersMethod = getListDeadLettersMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ListDeadLettersRequest, dev.nexus.v1.ListDeadLettersResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListDeadLetters"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListDeadLettersRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListDeadLettersResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueueServiceMethodDescriptorSupplier("ListDeadLetters"))
              .build();
        }
      }
    }
    return getListDeadLettersMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.GetDeadLetterRequest,
      dev.nexus.v1.GetDeadLetterResponse> getGetDeadLetterMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetDeadLetter",
      requestType = dev.nexus.v1.GetDeadLetterRequest.class,
      responseType = dev.nexus.v1.GetDeadLetterResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.GetDeadLetterRequest,
      dev.nexus.v1.GetDeadLetterResponse> getGetDeadLetterMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.GetDeadLetterRequest, dev.nexus.v1.GetDeadLetterResponse> getGetDeadLetterMethod;
    if ((getGetDeadLetterMethod = QueueServiceGrpc.getGetDeadLetterMethod) == null) {
      synchronized (QueueServiceGrpc.class) {
        if ((getGetDeadLetterMethod = QueueServiceGrpc.getGetDeadLetterMethod) == null) {
          QueueServiceGrpc.getGetDeadLetterMethod = getGetDeadLetterMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.GetDeadLetterRequest, dev.nexus.v1.GetDeadLetterResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetDeadLetter"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetDeadLetterRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetDeadLetterResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueueServiceMethodDescriptorSupplier("GetDeadLetter"))
              .build();
        }
      }
    }
    return getGetDeadLetterMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.RedriveDeadLettersRequest,
      dev.nexus.v1.RedriveDeadLettersResponse> getRedriveDeadLettersMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RedriveDeadLetters",
      requestType = dev.nexus.v1.RedriveDeadLettersRequest.class,
      responseType = dev.nexus.v1.RedriveDeadLettersResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.RedriveDeadLettersRequest,
      dev.nexus.v1.RedriveDeadLettersResponse> getRedriveDeadLettersMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.RedriveDeadLettersRequest, dev.nexus.v1.RedriveDeadLettersResponse> getRedriveDeadLettersMethod;
    if ((getRedriveDeadLettersMethod = QueueServiceGrpc.getRedriveDeadLettersMethod) == null) {
      synchronized (QueueServiceGrpc.class) {
        if ((getRedriveDeadLettersMethod = QueueServiceGrpc.getRedriveDeadLettersMethod) == null) {
          QueueServiceGrpc.getRedriveDeadLettersMethod = getRedriveDeadLettersMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.RedriveDeadLettersRequest, dev.nexus.v1.RedriveDeadLettersResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RedriveDeadLetters"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.RedriveDeadLettersRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.RedriveDeadLettersResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueueServiceMethodDescriptorSupplier("RedriveDeadLetters"))
              .build();
        }
      }
    }
    return getRedriveDeadLettersMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.PurgeDeadLettersRequest,
      dev.nexus.v1.PurgeDeadLettersResponse> getPurgeDeadLettersMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "PurgeDeadLetters",
      requestType = dev.nexus.v1.PurgeDeadLettersRequest.class,
      responseType = dev.nexus.v1.PurgeDeadLettersResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.PurgeDeadLettersRequest,
      dev.nexus.v1.PurgeDeadLettersResponse> getPurgeDeadLettersMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.PurgeDeadLettersRequest, dev.nexus.v1.PurgeDeadLettersResponse> getPurgeDeadLettersMethod;
    if ((getPurgeDeadLettersMethod = QueueServiceGrpc.getPurgeDeadLettersMethod) == null) {
      synchronized (QueueServiceGrpc.class) {
        if ((getPurgeDeadLettersMethod = QueueServiceGrpc.getPurgeDeadLettersMethod) == null) {
          QueueServiceGrpc.getPurgeDeadLettersMethod = getPurgeDeadLettersMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.PurgeDeadLettersRequest, dev.nexus.v1.PurgeDeadLettersResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "PurgeDeadLetters"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.PurgeDeadLettersRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.PurgeDeadLettersResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueueServiceMethodDescriptorSupplier("PurgeDeadLetters"))
              .build();
        }
      }
    }
    return getPurgeDeadLettersMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static QueueServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<QueueServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<QueueServiceStub>() {
        @java.lang.Override
        public QueueServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new QueueServiceStub(channel, callOptions);
        }
      };
    return QueueServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static QueueServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<QueueServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<QueueServiceBlockingV2Stub>() {
        @java.lang.Override
        public QueueServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new QueueServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return QueueServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static QueueServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<QueueServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<QueueServiceBlockingStub>() {
        @java.lang.Override
        public QueueServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new QueueServiceBlockingStub(channel, callOptions);
        }
      };
    return QueueServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static QueueServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<QueueServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<QueueServiceFutureStub>() {
        @java.lang.Override
        public QueueServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new QueueServiceFutureStub(channel, callOptions);
        }
      };
    return QueueServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * The queue path: events whose type is routed "secondary" are fanned out to
   * one durable queue per consumer. Deliveries are at-least-once and unordered;
   * a received message is invisible to other receivers for the visibility
   * timeout; a failed delivery (nack or timeout) comes back after an
   * exponential backoff, and after max_deliveries failed deliveries (5 by
   * default) the message moves to the consumer's dead-letter queue.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Creates a consumer (its queue receives every secondary event routed from
     * now on), or updates its settings.
     * </pre>
     */
    default void createConsumer(dev.nexus.v1.CreateConsumerRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.CreateConsumerResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateConsumerMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes a consumer with its queue and dead letters.
     * </pre>
     */
    default void deleteConsumer(dev.nexus.v1.DeleteConsumerRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.DeleteConsumerResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteConsumerMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists consumers with the counts of their queues.
     * </pre>
     */
    default void listConsumers(dev.nexus.v1.ListConsumersRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListConsumersResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListConsumersMethod(), responseObserver);
    }

    /**
     * <pre>
     * One consumer with the counts of its queue.
     * </pre>
     */
    default void getConsumer(dev.nexus.v1.GetConsumerRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetConsumerResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetConsumerMethod(), responseObserver);
    }

    /**
     * <pre>
     * A persistent subscription: competing consumers each open one stream on
     * the same consumer and share its messages. The client's first message is
     * `start`; then it settles each delivery with ack, nack or park.
     * </pre>
     */
    default io.grpc.stub.StreamObserver<dev.nexus.v1.ConsumeRequest> consume(
        io.grpc.stub.StreamObserver<dev.nexus.v1.ConsumeResponse> responseObserver) {
      return io.grpc.stub.ServerCalls.asyncUnimplementedStreamingCall(getConsumeMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists a consumer's dead letters, oldest first.
     * </pre>
     */
    default void listDeadLetters(dev.nexus.v1.ListDeadLettersRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListDeadLettersResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListDeadLettersMethod(), responseObserver);
    }

    /**
     * <pre>
     * One dead letter with its event and last error.
     * </pre>
     */
    default void getDeadLetter(dev.nexus.v1.GetDeadLetterRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetDeadLetterResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetDeadLetterMethod(), responseObserver);
    }

    /**
     * <pre>
     * Puts dead letters back on the consumer's queue with a fresh delivery count.
     * </pre>
     */
    default void redriveDeadLetters(dev.nexus.v1.RedriveDeadLettersRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.RedriveDeadLettersResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRedriveDeadLettersMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes dead letters (the events stay in the event store).
     * </pre>
     */
    default void purgeDeadLetters(dev.nexus.v1.PurgeDeadLettersRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.PurgeDeadLettersResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getPurgeDeadLettersMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service QueueService.
   * <pre>
   * The queue path: events whose type is routed "secondary" are fanned out to
   * one durable queue per consumer. Deliveries are at-least-once and unordered;
   * a received message is invisible to other receivers for the visibility
   * timeout; a failed delivery (nack or timeout) comes back after an
   * exponential backoff, and after max_deliveries failed deliveries (5 by
   * default) the message moves to the consumer's dead-letter queue.
   * </pre>
   */
  public static abstract class QueueServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return QueueServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service QueueService.
   * <pre>
   * The queue path: events whose type is routed "secondary" are fanned out to
   * one durable queue per consumer. Deliveries are at-least-once and unordered;
   * a received message is invisible to other receivers for the visibility
   * timeout; a failed delivery (nack or timeout) comes back after an
   * exponential backoff, and after max_deliveries failed deliveries (5 by
   * default) the message moves to the consumer's dead-letter queue.
   * </pre>
   */
  public static final class QueueServiceStub
      extends io.grpc.stub.AbstractAsyncStub<QueueServiceStub> {
    private QueueServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected QueueServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new QueueServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a consumer (its queue receives every secondary event routed from
     * now on), or updates its settings.
     * </pre>
     */
    public void createConsumer(dev.nexus.v1.CreateConsumerRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.CreateConsumerResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateConsumerMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes a consumer with its queue and dead letters.
     * </pre>
     */
    public void deleteConsumer(dev.nexus.v1.DeleteConsumerRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.DeleteConsumerResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteConsumerMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists consumers with the counts of their queues.
     * </pre>
     */
    public void listConsumers(dev.nexus.v1.ListConsumersRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListConsumersResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListConsumersMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * One consumer with the counts of its queue.
     * </pre>
     */
    public void getConsumer(dev.nexus.v1.GetConsumerRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetConsumerResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetConsumerMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * A persistent subscription: competing consumers each open one stream on
     * the same consumer and share its messages. The client's first message is
     * `start`; then it settles each delivery with ack, nack or park.
     * </pre>
     */
    public io.grpc.stub.StreamObserver<dev.nexus.v1.ConsumeRequest> consume(
        io.grpc.stub.StreamObserver<dev.nexus.v1.ConsumeResponse> responseObserver) {
      return io.grpc.stub.ClientCalls.asyncBidiStreamingCall(
          getChannel().newCall(getConsumeMethod(), getCallOptions()), responseObserver);
    }

    /**
     * <pre>
     * Lists a consumer's dead letters, oldest first.
     * </pre>
     */
    public void listDeadLetters(dev.nexus.v1.ListDeadLettersRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListDeadLettersResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListDeadLettersMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * One dead letter with its event and last error.
     * </pre>
     */
    public void getDeadLetter(dev.nexus.v1.GetDeadLetterRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetDeadLetterResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetDeadLetterMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Puts dead letters back on the consumer's queue with a fresh delivery count.
     * </pre>
     */
    public void redriveDeadLetters(dev.nexus.v1.RedriveDeadLettersRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.RedriveDeadLettersResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRedriveDeadLettersMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes dead letters (the events stay in the event store).
     * </pre>
     */
    public void purgeDeadLetters(dev.nexus.v1.PurgeDeadLettersRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.PurgeDeadLettersResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getPurgeDeadLettersMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service QueueService.
   * <pre>
   * The queue path: events whose type is routed "secondary" are fanned out to
   * one durable queue per consumer. Deliveries are at-least-once and unordered;
   * a received message is invisible to other receivers for the visibility
   * timeout; a failed delivery (nack or timeout) comes back after an
   * exponential backoff, and after max_deliveries failed deliveries (5 by
   * default) the message moves to the consumer's dead-letter queue.
   * </pre>
   */
  public static final class QueueServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<QueueServiceBlockingV2Stub> {
    private QueueServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected QueueServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new QueueServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a consumer (its queue receives every secondary event routed from
     * now on), or updates its settings.
     * </pre>
     */
    public dev.nexus.v1.CreateConsumerResponse createConsumer(dev.nexus.v1.CreateConsumerRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCreateConsumerMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a consumer with its queue and dead letters.
     * </pre>
     */
    public dev.nexus.v1.DeleteConsumerResponse deleteConsumer(dev.nexus.v1.DeleteConsumerRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getDeleteConsumerMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists consumers with the counts of their queues.
     * </pre>
     */
    public dev.nexus.v1.ListConsumersResponse listConsumers(dev.nexus.v1.ListConsumersRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListConsumersMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * One consumer with the counts of its queue.
     * </pre>
     */
    public dev.nexus.v1.GetConsumerResponse getConsumer(dev.nexus.v1.GetConsumerRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetConsumerMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * A persistent subscription: competing consumers each open one stream on
     * the same consumer and share its messages. The client's first message is
     * `start`; then it settles each delivery with ack, nack or park.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<dev.nexus.v1.ConsumeRequest, dev.nexus.v1.ConsumeResponse>
        consume() {
      return io.grpc.stub.ClientCalls.blockingBidiStreamingCall(
          getChannel(), getConsumeMethod(), getCallOptions());
    }

    /**
     * <pre>
     * Lists a consumer's dead letters, oldest first.
     * </pre>
     */
    public dev.nexus.v1.ListDeadLettersResponse listDeadLetters(dev.nexus.v1.ListDeadLettersRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListDeadLettersMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * One dead letter with its event and last error.
     * </pre>
     */
    public dev.nexus.v1.GetDeadLetterResponse getDeadLetter(dev.nexus.v1.GetDeadLetterRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetDeadLetterMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Puts dead letters back on the consumer's queue with a fresh delivery count.
     * </pre>
     */
    public dev.nexus.v1.RedriveDeadLettersResponse redriveDeadLetters(dev.nexus.v1.RedriveDeadLettersRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getRedriveDeadLettersMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes dead letters (the events stay in the event store).
     * </pre>
     */
    public dev.nexus.v1.PurgeDeadLettersResponse purgeDeadLetters(dev.nexus.v1.PurgeDeadLettersRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getPurgeDeadLettersMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service QueueService.
   * <pre>
   * The queue path: events whose type is routed "secondary" are fanned out to
   * one durable queue per consumer. Deliveries are at-least-once and unordered;
   * a received message is invisible to other receivers for the visibility
   * timeout; a failed delivery (nack or timeout) comes back after an
   * exponential backoff, and after max_deliveries failed deliveries (5 by
   * default) the message moves to the consumer's dead-letter queue.
   * </pre>
   */
  public static final class QueueServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<QueueServiceBlockingStub> {
    private QueueServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected QueueServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new QueueServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a consumer (its queue receives every secondary event routed from
     * now on), or updates its settings.
     * </pre>
     */
    public dev.nexus.v1.CreateConsumerResponse createConsumer(dev.nexus.v1.CreateConsumerRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateConsumerMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a consumer with its queue and dead letters.
     * </pre>
     */
    public dev.nexus.v1.DeleteConsumerResponse deleteConsumer(dev.nexus.v1.DeleteConsumerRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteConsumerMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists consumers with the counts of their queues.
     * </pre>
     */
    public dev.nexus.v1.ListConsumersResponse listConsumers(dev.nexus.v1.ListConsumersRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListConsumersMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * One consumer with the counts of its queue.
     * </pre>
     */
    public dev.nexus.v1.GetConsumerResponse getConsumer(dev.nexus.v1.GetConsumerRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetConsumerMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists a consumer's dead letters, oldest first.
     * </pre>
     */
    public dev.nexus.v1.ListDeadLettersResponse listDeadLetters(dev.nexus.v1.ListDeadLettersRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListDeadLettersMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * One dead letter with its event and last error.
     * </pre>
     */
    public dev.nexus.v1.GetDeadLetterResponse getDeadLetter(dev.nexus.v1.GetDeadLetterRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetDeadLetterMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Puts dead letters back on the consumer's queue with a fresh delivery count.
     * </pre>
     */
    public dev.nexus.v1.RedriveDeadLettersResponse redriveDeadLetters(dev.nexus.v1.RedriveDeadLettersRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRedriveDeadLettersMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes dead letters (the events stay in the event store).
     * </pre>
     */
    public dev.nexus.v1.PurgeDeadLettersResponse purgeDeadLetters(dev.nexus.v1.PurgeDeadLettersRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getPurgeDeadLettersMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service QueueService.
   * <pre>
   * The queue path: events whose type is routed "secondary" are fanned out to
   * one durable queue per consumer. Deliveries are at-least-once and unordered;
   * a received message is invisible to other receivers for the visibility
   * timeout; a failed delivery (nack or timeout) comes back after an
   * exponential backoff, and after max_deliveries failed deliveries (5 by
   * default) the message moves to the consumer's dead-letter queue.
   * </pre>
   */
  public static final class QueueServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<QueueServiceFutureStub> {
    private QueueServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected QueueServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new QueueServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Creates a consumer (its queue receives every secondary event routed from
     * now on), or updates its settings.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.CreateConsumerResponse> createConsumer(
        dev.nexus.v1.CreateConsumerRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateConsumerMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes a consumer with its queue and dead letters.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.DeleteConsumerResponse> deleteConsumer(
        dev.nexus.v1.DeleteConsumerRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteConsumerMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists consumers with the counts of their queues.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ListConsumersResponse> listConsumers(
        dev.nexus.v1.ListConsumersRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListConsumersMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * One consumer with the counts of its queue.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.GetConsumerResponse> getConsumer(
        dev.nexus.v1.GetConsumerRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetConsumerMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists a consumer's dead letters, oldest first.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ListDeadLettersResponse> listDeadLetters(
        dev.nexus.v1.ListDeadLettersRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListDeadLettersMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * One dead letter with its event and last error.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.GetDeadLetterResponse> getDeadLetter(
        dev.nexus.v1.GetDeadLetterRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetDeadLetterMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Puts dead letters back on the consumer's queue with a fresh delivery count.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.RedriveDeadLettersResponse> redriveDeadLetters(
        dev.nexus.v1.RedriveDeadLettersRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRedriveDeadLettersMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes dead letters (the events stay in the event store).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.PurgeDeadLettersResponse> purgeDeadLetters(
        dev.nexus.v1.PurgeDeadLettersRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getPurgeDeadLettersMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CREATE_CONSUMER = 0;
  private static final int METHODID_DELETE_CONSUMER = 1;
  private static final int METHODID_LIST_CONSUMERS = 2;
  private static final int METHODID_GET_CONSUMER = 3;
  private static final int METHODID_LIST_DEAD_LETTERS = 4;
  private static final int METHODID_GET_DEAD_LETTER = 5;
  private static final int METHODID_REDRIVE_DEAD_LETTERS = 6;
  private static final int METHODID_PURGE_DEAD_LETTERS = 7;
  private static final int METHODID_CONSUME = 8;

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
        case METHODID_CREATE_CONSUMER:
          serviceImpl.createConsumer((dev.nexus.v1.CreateConsumerRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.CreateConsumerResponse>) responseObserver);
          break;
        case METHODID_DELETE_CONSUMER:
          serviceImpl.deleteConsumer((dev.nexus.v1.DeleteConsumerRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.DeleteConsumerResponse>) responseObserver);
          break;
        case METHODID_LIST_CONSUMERS:
          serviceImpl.listConsumers((dev.nexus.v1.ListConsumersRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ListConsumersResponse>) responseObserver);
          break;
        case METHODID_GET_CONSUMER:
          serviceImpl.getConsumer((dev.nexus.v1.GetConsumerRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.GetConsumerResponse>) responseObserver);
          break;
        case METHODID_LIST_DEAD_LETTERS:
          serviceImpl.listDeadLetters((dev.nexus.v1.ListDeadLettersRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ListDeadLettersResponse>) responseObserver);
          break;
        case METHODID_GET_DEAD_LETTER:
          serviceImpl.getDeadLetter((dev.nexus.v1.GetDeadLetterRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.GetDeadLetterResponse>) responseObserver);
          break;
        case METHODID_REDRIVE_DEAD_LETTERS:
          serviceImpl.redriveDeadLetters((dev.nexus.v1.RedriveDeadLettersRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.RedriveDeadLettersResponse>) responseObserver);
          break;
        case METHODID_PURGE_DEAD_LETTERS:
          serviceImpl.purgeDeadLetters((dev.nexus.v1.PurgeDeadLettersRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.PurgeDeadLettersResponse>) responseObserver);
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
        case METHODID_CONSUME:
          return (io.grpc.stub.StreamObserver<Req>) serviceImpl.consume(
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ConsumeResponse>) responseObserver);
        default:
          throw new AssertionError();
      }
    }
  }

  public static final io.grpc.ServerServiceDefinition bindService(AsyncService service) {
    return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
        .addMethod(
          getCreateConsumerMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.CreateConsumerRequest,
              dev.nexus.v1.CreateConsumerResponse>(
                service, METHODID_CREATE_CONSUMER)))
        .addMethod(
          getDeleteConsumerMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.DeleteConsumerRequest,
              dev.nexus.v1.DeleteConsumerResponse>(
                service, METHODID_DELETE_CONSUMER)))
        .addMethod(
          getListConsumersMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ListConsumersRequest,
              dev.nexus.v1.ListConsumersResponse>(
                service, METHODID_LIST_CONSUMERS)))
        .addMethod(
          getGetConsumerMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.GetConsumerRequest,
              dev.nexus.v1.GetConsumerResponse>(
                service, METHODID_GET_CONSUMER)))
        .addMethod(
          getConsumeMethod(),
          io.grpc.stub.ServerCalls.asyncBidiStreamingCall(
            new MethodHandlers<
              dev.nexus.v1.ConsumeRequest,
              dev.nexus.v1.ConsumeResponse>(
                service, METHODID_CONSUME)))
        .addMethod(
          getListDeadLettersMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ListDeadLettersRequest,
              dev.nexus.v1.ListDeadLettersResponse>(
                service, METHODID_LIST_DEAD_LETTERS)))
        .addMethod(
          getGetDeadLetterMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.GetDeadLetterRequest,
              dev.nexus.v1.GetDeadLetterResponse>(
                service, METHODID_GET_DEAD_LETTER)))
        .addMethod(
          getRedriveDeadLettersMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.RedriveDeadLettersRequest,
              dev.nexus.v1.RedriveDeadLettersResponse>(
                service, METHODID_REDRIVE_DEAD_LETTERS)))
        .addMethod(
          getPurgeDeadLettersMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.PurgeDeadLettersRequest,
              dev.nexus.v1.PurgeDeadLettersResponse>(
                service, METHODID_PURGE_DEAD_LETTERS)))
        .build();
  }

  private static abstract class QueueServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    QueueServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.nexus.v1.QueueProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("QueueService");
    }
  }

  private static final class QueueServiceFileDescriptorSupplier
      extends QueueServiceBaseDescriptorSupplier {
    QueueServiceFileDescriptorSupplier() {}
  }

  private static final class QueueServiceMethodDescriptorSupplier
      extends QueueServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    QueueServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (QueueServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new QueueServiceFileDescriptorSupplier())
              .addMethod(getCreateConsumerMethod())
              .addMethod(getDeleteConsumerMethod())
              .addMethod(getListConsumersMethod())
              .addMethod(getGetConsumerMethod())
              .addMethod(getConsumeMethod())
              .addMethod(getListDeadLettersMethod())
              .addMethod(getGetDeadLetterMethod())
              .addMethod(getRedriveDeadLettersMethod())
              .addMethod(getPurgeDeadLettersMethod())
              .build();
        }
      }
    }
    return result;
  }
}
