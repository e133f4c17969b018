package dev.nexus.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * The read side: documents that projections fold from events, searchable
 * and watchable. Projections follow the stream path (core events, ordered
 * per stream); each document write and the projection's checkpoint commit
 * together, so a crash never double-applies or skips an event.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class QueryServiceGrpc {

  private QueryServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "nexus.v1.QueryService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.GetDocumentRequest,
      dev.nexus.v1.GetDocumentResponse> getGetDocumentMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetDocument",
      requestType = dev.nexus.v1.GetDocumentRequest.class,
      responseType = dev.nexus.v1.GetDocumentResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.GetDocumentRequest,
      dev.nexus.v1.GetDocumentResponse> getGetDocumentMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.GetDocumentRequest, dev.nexus.v1.GetDocumentResponse> getGetDocumentMethod;
    if ((getGetDocumentMethod = QueryServiceGrpc.getGetDocumentMethod) == null) {
      synchronized (QueryServiceGrpc.class) {
        if ((getGetDocumentMethod = QueryServiceGrpc.getGetDocumentMethod) == null) {
          QueryServiceGrpc.getGetDocumentMethod = getGetDocumentMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.GetDocumentRequest, dev.nexus.v1.GetDocumentResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetDocument"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetDocumentRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetDocumentResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueryServiceMethodDescriptorSupplier("GetDocument"))
              .build();
        }
      }
    }
    return getGetDocumentMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.SearchRequest,
      dev.nexus.v1.SearchResponse> getSearchMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Search",
      requestType = dev.nexus.v1.SearchRequest.class,
      responseType = dev.nexus.v1.SearchResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.SearchRequest,
      dev.nexus.v1.SearchResponse> getSearchMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.SearchRequest, dev.nexus.v1.SearchResponse> getSearchMethod;
    if ((getSearchMethod = QueryServiceGrpc.getSearchMethod) == null) {
      synchronized (QueryServiceGrpc.class) {
        if ((getSearchMethod = QueryServiceGrpc.getSearchMethod) == null) {
          QueryServiceGrpc.getSearchMethod = getSearchMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.SearchRequest, dev.nexus.v1.SearchResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Search"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.SearchRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.SearchResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueryServiceMethodDescriptorSupplier("Search"))
              .build();
        }
      }
    }
    return getSearchMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ListProjectionsRequest,
      dev.nexus.v1.ListProjectionsResponse> getListProjectionsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListProjections",
      requestType = dev.nexus.v1.ListProjectionsRequest.class,
      responseType = dev.nexus.v1.ListProjectionsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ListProjectionsRequest,
      dev.nexus.v1.ListProjectionsResponse> getListProjectionsMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ListProjectionsRequest, dev.nexus.v1.ListProjectionsResponse> getListProjectionsMethod;
    if ((getListProjectionsMethod = QueryServiceGrpc.getListProjectionsMethod) == null) {
      synchronized (QueryServiceGrpc.class) {
        if ((getListProjectionsMethod = QueryServiceGrpc.getListProjectionsMethod) == null) {
          QueryServiceGrpc.getListProjectionsMethod = getListProjectionsMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ListProjectionsRequest, dev.nexus.v1.ListProjectionsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListProjections"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListProjectionsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListProjectionsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueryServiceMethodDescriptorSupplier("ListProjections"))
              .build();
        }
      }
    }
    return getListProjectionsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.GetProjectionStatusRequest,
      dev.nexus.v1.GetProjectionStatusResponse> getGetProjectionStatusMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetProjectionStatus",
      requestType = dev.nexus.v1.GetProjectionStatusRequest.class,
      responseType = dev.nexus.v1.GetProjectionStatusResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.GetProjectionStatusRequest,
      dev.nexus.v1.GetProjectionStatusResponse> getGetProjectionStatusMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.GetProjectionStatusRequest, dev.nexus.v1.GetProjectionStatusResponse> getGetProjectionStatusMethod;
    if ((getGetProjectionStatusMethod = QueryServiceGrpc.getGetProjectionStatusMethod) == null) {
      synchronized (QueryServiceGrpc.class) {
        if ((getGetProjectionStatusMethod = QueryServiceGrpc.getGetProjectionStatusMethod) == null) {
          QueryServiceGrpc.getGetProjectionStatusMethod = getGetProjectionStatusMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.GetProjectionStatusRequest, dev.nexus.v1.GetProjectionStatusResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetProjectionStatus"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetProjectionStatusRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetProjectionStatusResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueryServiceMethodDescriptorSupplier("GetProjectionStatus"))
              .build();
        }
      }
    }
    return getGetProjectionStatusMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.RegisterProjectionRequest,
      dev.nexus.v1.RegisterProjectionResponse> getRegisterProjectionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RegisterProjection",
      requestType = dev.nexus.v1.RegisterProjectionRequest.class,
      responseType = dev.nexus.v1.RegisterProjectionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.RegisterProjectionRequest,
      dev.nexus.v1.RegisterProjectionResponse> getRegisterProjectionMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.RegisterProjectionRequest, dev.nexus.v1.RegisterProjectionResponse> getRegisterProjectionMethod;
    if ((getRegisterProjectionMethod = QueryServiceGrpc.getRegisterProjectionMethod) == null) {
      synchronized (QueryServiceGrpc.class) {
        if ((getRegisterProjectionMethod = QueryServiceGrpc.getRegisterProjectionMethod) == null) {
          QueryServiceGrpc.getRegisterProjectionMethod = getRegisterProjectionMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.RegisterProjectionRequest, dev.nexus.v1.RegisterProjectionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RegisterProjection"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.RegisterProjectionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.RegisterProjectionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueryServiceMethodDescriptorSupplier("RegisterProjection"))
              .build();
        }
      }
    }
    return getRegisterProjectionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.RebuildProjectionRequest,
      dev.nexus.v1.RebuildProjectionResponse> getRebuildProjectionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RebuildProjection",
      requestType = dev.nexus.v1.RebuildProjectionRequest.class,
      responseType = dev.nexus.v1.RebuildProjectionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.RebuildProjectionRequest,
      dev.nexus.v1.RebuildProjectionResponse> getRebuildProjectionMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.RebuildProjectionRequest, dev.nexus.v1.RebuildProjectionResponse> getRebuildProjectionMethod;
    if ((getRebuildProjectionMethod = QueryServiceGrpc.getRebuildProjectionMethod) == null) {
      synchronized (QueryServiceGrpc.class) {
        if ((getRebuildProjectionMethod = QueryServiceGrpc.getRebuildProjectionMethod) == null) {
          QueryServiceGrpc.getRebuildProjectionMethod = getRebuildProjectionMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.RebuildProjectionRequest, dev.nexus.v1.RebuildProjectionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RebuildProjection"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.RebuildProjectionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.RebuildProjectionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueryServiceMethodDescriptorSupplier("RebuildProjection"))
              .build();
        }
      }
    }
    return getRebuildProjectionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ListParkedEventsRequest,
      dev.nexus.v1.ListParkedEventsResponse> getListParkedEventsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListParkedEvents",
      requestType = dev.nexus.v1.ListParkedEventsRequest.class,
      responseType = dev.nexus.v1.ListParkedEventsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ListParkedEventsRequest,
      dev.nexus.v1.ListParkedEventsResponse> getListParkedEventsMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ListParkedEventsRequest, dev.nexus.v1.ListParkedEventsResponse> getListParkedEventsMethod;
    if ((getListParkedEventsMethod = QueryServiceGrpc.getListParkedEventsMethod) == null) {
      synchronized (QueryServiceGrpc.class) {
        if ((getListParkedEventsMethod = QueryServiceGrpc.getListParkedEventsMethod) == null) {
          QueryServiceGrpc.getListParkedEventsMethod = getListParkedEventsMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ListParkedEventsRequest, dev.nexus.v1.ListParkedEventsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListParkedEvents"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListParkedEventsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListParkedEventsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueryServiceMethodDescriptorSupplier("ListParkedEvents"))
              .build();
        }
      }
    }
    return getListParkedEventsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.WatchDocumentsRequest,
      dev.nexus.v1.WatchDocumentsResponse> getWatchDocumentsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WatchDocuments",
      requestType = dev.nexus.v1.WatchDocumentsRequest.class,
      responseType = dev.nexus.v1.WatchDocumentsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.WatchDocumentsRequest,
      dev.nexus.v1.WatchDocumentsResponse> getWatchDocumentsMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.WatchDocumentsRequest, dev.nexus.v1.WatchDocumentsResponse> getWatchDocumentsMethod;
    if ((getWatchDocumentsMethod = QueryServiceGrpc.getWatchDocumentsMethod) == null) {
      synchronized (QueryServiceGrpc.class) {
        if ((getWatchDocumentsMethod = QueryServiceGrpc.getWatchDocumentsMethod) == null) {
          QueryServiceGrpc.getWatchDocumentsMethod = getWatchDocumentsMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.WatchDocumentsRequest, dev.nexus.v1.WatchDocumentsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WatchDocuments"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.WatchDocumentsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.WatchDocumentsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueryServiceMethodDescriptorSupplier("WatchDocuments"))
              .build();
        }
      }
    }
    return getWatchDocumentsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.WatchQueryRequest,
      dev.nexus.v1.WatchQueryResponse> getWatchQueryMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "WatchQuery",
      requestType = dev.nexus.v1.WatchQueryRequest.class,
      responseType = dev.nexus.v1.WatchQueryResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.WatchQueryRequest,
      dev.nexus.v1.WatchQueryResponse> getWatchQueryMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.WatchQueryRequest, dev.nexus.v1.WatchQueryResponse> getWatchQueryMethod;
    if ((getWatchQueryMethod = QueryServiceGrpc.getWatchQueryMethod) == null) {
      synchronized (QueryServiceGrpc.class) {
        if ((getWatchQueryMethod = QueryServiceGrpc.getWatchQueryMethod) == null) {
          QueryServiceGrpc.getWatchQueryMethod = getWatchQueryMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.WatchQueryRequest, dev.nexus.v1.WatchQueryResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "WatchQuery"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.WatchQueryRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.WatchQueryResponse.getDefaultInstance()))
              .setSchemaDescriptor(new QueryServiceMethodDescriptorSupplier("WatchQuery"))
              .build();
        }
      }
    }
    return getWatchQueryMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static QueryServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<QueryServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<QueryServiceStub>() {
        @java.lang.Override
        public QueryServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new QueryServiceStub(channel, callOptions);
        }
      };
    return QueryServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static QueryServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<QueryServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<QueryServiceBlockingV2Stub>() {
        @java.lang.Override
        public QueryServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new QueryServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return QueryServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static QueryServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<QueryServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<QueryServiceBlockingStub>() {
        @java.lang.Override
        public QueryServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new QueryServiceBlockingStub(channel, callOptions);
        }
      };
    return QueryServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static QueryServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<QueryServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<QueryServiceFutureStub>() {
        @java.lang.Override
        public QueryServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new QueryServiceFutureStub(channel, callOptions);
        }
      };
    return QueryServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * The read side: documents that projections fold from events, searchable
   * and watchable. Projections follow the stream path (core events, ordered
   * per stream); each document write and the projection's checkpoint commit
   * together, so a crash never double-applies or skips an event.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * One document by key.
     * </pre>
     */
    default void getDocument(dev.nexus.v1.GetDocumentRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetDocumentResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetDocumentMethod(), responseObserver);
    }

    /**
     * <pre>
     * Full-text and field search with sorting, paging and a total count.
     * </pre>
     */
    default void search(dev.nexus.v1.SearchRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.SearchResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSearchMethod(), responseObserver);
    }

    /**
     * <pre>
     * Every projection with its status.
     * </pre>
     */
    default void listProjections(dev.nexus.v1.ListProjectionsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListProjectionsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListProjectionsMethod(), responseObserver);
    }

    /**
     * <pre>
     * One projection's status: position, lag, errors, rebuild progress.
     * </pre>
     */
    default void getProjectionStatus(dev.nexus.v1.GetProjectionStatusRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetProjectionStatusResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetProjectionStatusMethod(), responseObserver);
    }

    /**
     * <pre>
     * Registers (or replaces) a projection. A changed definition is built
     * from the start beside the old one, which serves reads until the new one
     * has caught up.
     * </pre>
     */
    default void registerProjection(dev.nexus.v1.RegisterProjectionRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.RegisterProjectionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRegisterProjectionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Rebuilds a projection from the start, blue/green: the current documents
     * keep serving reads until the rebuild has caught up, then reads switch.
     * </pre>
     */
    default void rebuildProjection(dev.nexus.v1.RebuildProjectionRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.RebuildProjectionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRebuildProjectionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Events a projection could not apply, with their errors.
     * </pre>
     */
    default void listParkedEvents(dev.nexus.v1.ListParkedEventsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListParkedEventsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListParkedEventsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Watches documents by key: their current state first, then every change.
     * </pre>
     */
    default void watchDocuments(dev.nexus.v1.WatchDocumentsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.WatchDocumentsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchDocumentsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Watches the documents matching a query: the current matches first (at
     * most 10,000; a broader query is FAILED_PRECONDITION with reason
     * WATCH_TOO_BROAD), then every change to a document that matches (or
     * stops matching).
     * </pre>
     */
    default void watchQuery(dev.nexus.v1.WatchQueryRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.WatchQueryResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getWatchQueryMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service QueryService.
   * <pre>
   * The read side: documents that projections fold from events, searchable
   * and watchable. Projections follow the stream path (core events, ordered
   * per stream); each document write and the projection's checkpoint commit
   * together, so a crash never double-applies or skips an event.
   * </pre>
   */
  public static abstract class QueryServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return QueryServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service QueryService.
   * <pre>
   * The read side: documents that projections fold from events, searchable
   * and watchable. Projections follow the stream path (core events, ordered
   * per stream); each document write and the projection's checkpoint commit
   * together, so a crash never double-applies or skips an event.
   * </pre>
   */
  public static final class QueryServiceStub
      extends io.grpc.stub.AbstractAsyncStub<QueryServiceStub> {
    private QueryServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected QueryServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new QueryServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * One document by key.
     * </pre>
     */
    public void getDocument(dev.nexus.v1.GetDocumentRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetDocumentResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetDocumentMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Full-text and field search with sorting, paging and a total count.
     * </pre>
     */
    public void search(dev.nexus.v1.SearchRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.SearchResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSearchMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Every projection with its status.
     * </pre>
     */
    public void listProjections(dev.nexus.v1.ListProjectionsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListProjectionsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListProjectionsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * One projection's status: position, lag, errors, rebuild progress.
     * </pre>
     */
    public void getProjectionStatus(dev.nexus.v1.GetProjectionStatusRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetProjectionStatusResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetProjectionStatusMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Registers (or replaces) a projection. A changed definition is built
     * from the start beside the old one, which serves reads until the new one
     * has caught up.
     * </pre>
     */
    public void registerProjection(dev.nexus.v1.RegisterProjectionRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.RegisterProjectionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRegisterProjectionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Rebuilds a projection from the start, blue/green: the current documents
     * keep serving reads until the rebuild has caught up, then reads switch.
     * </pre>
     */
    public void rebuildProjection(dev.nexus.v1.RebuildProjectionRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.RebuildProjectionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRebuildProjectionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Events a projection could not apply, with their errors.
     * </pre>
     */
    public void listParkedEvents(dev.nexus.v1.ListParkedEventsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListParkedEventsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListParkedEventsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Watches documents by key: their current state first, then every change.
     * </pre>
     */
    public void watchDocuments(dev.nexus.v1.WatchDocumentsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.WatchDocumentsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchDocumentsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Watches the documents matching a query: the current matches first (at
     * most 10,000; a broader query is FAILED_PRECONDITION with reason
     * WATCH_TOO_BROAD), then every change to a document that matches (or
     * stops matching).
     * </pre>
     */
    public void watchQuery(dev.nexus.v1.WatchQueryRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.WatchQueryResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncServerStreamingCall(
          getChannel().newCall(getWatchQueryMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service QueryService.
   * <pre>
   * The read side: documents that projections fold from events, searchable
   * and watchable. Projections follow the stream path (core events, ordered
   * per stream); each document write and the projection's checkpoint commit
   * together, so a crash never double-applies or skips an event.
   * </pre>
   */
  public static final class QueryServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<QueryServiceBlockingV2Stub> {
    private QueryServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected QueryServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new QueryServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * One document by key.
     * </pre>
     */
    public dev.nexus.v1.GetDocumentResponse getDocument(dev.nexus.v1.GetDocumentRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetDocumentMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Full-text and field search with sorting, paging and a total count.
     * </pre>
     */
    public dev.nexus.v1.SearchResponse search(dev.nexus.v1.SearchRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getSearchMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Every projection with its status.
     * </pre>
     */
    public dev.nexus.v1.ListProjectionsResponse listProjections(dev.nexus.v1.ListProjectionsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListProjectionsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * One projection's status: position, lag, errors, rebuild progress.
     * </pre>
     */
    public dev.nexus.v1.GetProjectionStatusResponse getProjectionStatus(dev.nexus.v1.GetProjectionStatusRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetProjectionStatusMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Registers (or replaces) a projection. A changed definition is built
     * from the start beside the old one, which serves reads until the new one
     * has caught up.
     * </pre>
     */
    public dev.nexus.v1.RegisterProjectionResponse registerProjection(dev.nexus.v1.RegisterProjectionRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getRegisterProjectionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Rebuilds a projection from the start, blue/green: the current documents
     * keep serving reads until the rebuild has caught up, then reads switch.
     * </pre>
     */
    public dev.nexus.v1.RebuildProjectionResponse rebuildProjection(dev.nexus.v1.RebuildProjectionRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getRebuildProjectionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Events a projection could not apply, with their errors.
     * </pre>
     */
    public dev.nexus.v1.ListParkedEventsResponse listParkedEvents(dev.nexus.v1.ListParkedEventsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListParkedEventsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Watches documents by key: their current state first, then every change.
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<?, dev.nexus.v1.WatchDocumentsResponse>
        watchDocuments(dev.nexus.v1.WatchDocumentsRequest request) {
      return io.grpc.stub.ClientCalls.blockingV2ServerStreamingCall(
          getChannel(), getWatchDocumentsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Watches the documents matching a query: the current matches first (at
     * most 10,000; a broader query is FAILED_PRECONDITION with reason
     * WATCH_TOO_BROAD), then every change to a document that matches (or
     * stops matching).
     * </pre>
     */
    @io.grpc.ExperimentalApi("https://github.com/grpc/grpc-java/issues/10918")
    public io.grpc.stub.BlockingClientCall<?, dev.nexus.v1.WatchQueryResponse>
        watchQuery(dev.nexus.v1.WatchQueryRequest request) {
      return io.grpc.stub.ClientCalls.blockingV2ServerStreamingCall(
          getChannel(), getWatchQueryMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service QueryService.
   * <pre>
   * The read side: documents that projections fold from events, searchable
   * and watchable. Projections follow the stream path (core events, ordered
   * per stream); each document write and the projection's checkpoint commit
   * together, so a crash never double-applies or skips an event.
   * </pre>
   */
  public static final class QueryServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<QueryServiceBlockingStub> {
    private QueryServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected QueryServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new QueryServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * One document by key.
     * </pre>
     */
    public dev.nexus.v1.GetDocumentResponse getDocument(dev.nexus.v1.GetDocumentRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetDocumentMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Full-text and field search with sorting, paging and a total count.
     * </pre>
     */
    public dev.nexus.v1.SearchResponse search(dev.nexus.v1.SearchRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSearchMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Every projection with its status.
     * </pre>
     */
    public dev.nexus.v1.ListProjectionsResponse listProjections(dev.nexus.v1.ListProjectionsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListProjectionsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * One projection's status: position, lag, errors, rebuild progress.
     * </pre>
     */
    public dev.nexus.v1.GetProjectionStatusResponse getProjectionStatus(dev.nexus.v1.GetProjectionStatusRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetProjectionStatusMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Registers (or replaces) a projection. A changed definition is built
     * from the start beside the old one, which serves reads until the new one
     * has caught up.
     * </pre>
     */
    public dev.nexus.v1.RegisterProjectionResponse registerProjection(dev.nexus.v1.RegisterProjectionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRegisterProjectionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Rebuilds a projection from the start, blue/green: the current documents
     * keep serving reads until the rebuild has caught up, then reads switch.
     * </pre>
     */
    public dev.nexus.v1.RebuildProjectionResponse rebuildProjection(dev.nexus.v1.RebuildProjectionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRebuildProjectionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Events a projection could not apply, with their errors.
     * </pre>
     */
    public dev.nexus.v1.ListParkedEventsResponse listParkedEvents(dev.nexus.v1.ListParkedEventsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListParkedEventsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Watches documents by key: their current state first, then every change.
     * </pre>
     */
    public java.util.Iterator<dev.nexus.v1.WatchDocumentsResponse> watchDocuments(
        dev.nexus.v1.WatchDocumentsRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchDocumentsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Watches the documents matching a query: the current matches first (at
     * most 10,000; a broader query is FAILED_PRECONDITION with reason
     * WATCH_TOO_BROAD), then every change to a document that matches (or
     * stops matching).
     * </pre>
     */
    public java.util.Iterator<dev.nexus.v1.WatchQueryResponse> watchQuery(
        dev.nexus.v1.WatchQueryRequest request) {
      return io.grpc.stub.ClientCalls.blockingServerStreamingCall(
          getChannel(), getWatchQueryMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service QueryService.
   * <pre>
   * The read side: documents that projections fold from events, searchable
   * and watchable. Projections follow the stream path (core events, ordered
   * per stream); each document write and the projection's checkpoint commit
   * together, so a crash never double-applies or skips an event.
   * </pre>
   */
  public static final class QueryServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<QueryServiceFutureStub> {
    private QueryServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected QueryServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new QueryServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * One document by key.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.GetDocumentResponse> getDocument(
        dev.nexus.v1.GetDocumentRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetDocumentMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Full-text and field search with sorting, paging and a total count.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.SearchResponse> search(
        dev.nexus.v1.SearchRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSearchMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Every projection with its status.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ListProjectionsResponse> listProjections(
        dev.nexus.v1.ListProjectionsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListProjectionsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * One projection's status: position, lag, errors, rebuild progress.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.GetProjectionStatusResponse> getProjectionStatus(
        dev.nexus.v1.GetProjectionStatusRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetProjectionStatusMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Registers (or replaces) a projection. A changed definition is built
     * from the start beside the old one, which serves reads until the new one
     * has caught up.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.RegisterProjectionResponse> registerProjection(
        dev.nexus.v1.RegisterProjectionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRegisterProjectionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Rebuilds a projection from the start, blue/green: the current documents
     * keep serving reads until the rebuild has caught up, then reads switch.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.RebuildProjectionResponse> rebuildProjection(
        dev.nexus.v1.RebuildProjectionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRebuildProjectionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Events a projection could not apply, with their errors.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ListParkedEventsResponse> listParkedEvents(
        dev.nexus.v1.ListParkedEventsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListParkedEventsMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_GET_DOCUMENT = 0;
  private static final int METHODID_SEARCH = 1;
  private static final int METHODID_LIST_PROJECTIONS = 2;
  private static final int METHODID_GET_PROJECTION_STATUS = 3;
  private static final int METHODID_REGISTER_PROJECTION = 4;
  private static final int METHODID_REBUILD_PROJECTION = 5;
  private static final int METHODID_LIST_PARKED_EVENTS = 6;
  private static final int METHODID_WATCH_DOCUMENTS = 7;
  private static final int METHODID_WATCH_QUERY = 8;

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
        case METHODID_GET_DOCUMENT:
          serviceImpl.getDocument((dev.nexus.v1.GetDocumentRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.GetDocumentResponse>) responseObserver);
          break;
        case METHODID_SEARCH:
          serviceImpl.search((dev.nexus.v1.SearchRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.SearchResponse>) responseObserver);
          break;
        case METHODID_LIST_PROJECTIONS:
          serviceImpl.listProjections((dev.nexus.v1.ListProjectionsRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ListProjectionsResponse>) responseObserver);
          break;
        case METHODID_GET_PROJECTION_STATUS:
          serviceImpl.getProjectionStatus((dev.nexus.v1.GetProjectionStatusRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.GetProjectionStatusResponse>) responseObserver);
          break;
        case METHODID_REGISTER_PROJECTION:
          serviceImpl.registerProjection((dev.nexus.v1.RegisterProjectionRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.RegisterProjectionResponse>) responseObserver);
          break;
        case METHODID_REBUILD_PROJECTION:
          serviceImpl.rebuildProjection((dev.nexus.v1.RebuildProjectionRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.RebuildProjectionResponse>) responseObserver);
          break;
        case METHODID_LIST_PARKED_EVENTS:
          serviceImpl.listParkedEvents((dev.nexus.v1.ListParkedEventsRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ListParkedEventsResponse>) responseObserver);
          break;
        case METHODID_WATCH_DOCUMENTS:
          serviceImpl.watchDocuments((dev.nexus.v1.WatchDocumentsRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.WatchDocumentsResponse>) responseObserver);
          break;
        case METHODID_WATCH_QUERY:
          serviceImpl.watchQuery((dev.nexus.v1.WatchQueryRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.WatchQueryResponse>) responseObserver);
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
          getGetDocumentMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.GetDocumentRequest,
              dev.nexus.v1.GetDocumentResponse>(
                service, METHODID_GET_DOCUMENT)))
        .addMethod(
          getSearchMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.SearchRequest,
              dev.nexus.v1.SearchResponse>(
                service, METHODID_SEARCH)))
        .addMethod(
          getListProjectionsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ListProjectionsRequest,
              dev.nexus.v1.ListProjectionsResponse>(
                service, METHODID_LIST_PROJECTIONS)))
        .addMethod(
          getGetProjectionStatusMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.GetProjectionStatusRequest,
              dev.nexus.v1.GetProjectionStatusResponse>(
                service, METHODID_GET_PROJECTION_STATUS)))
        .addMethod(
          getRegisterProjectionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.RegisterProjectionRequest,
              dev.nexus.v1.RegisterProjectionResponse>(
                service, METHODID_REGISTER_PROJECTION)))
        .addMethod(
          getRebuildProjectionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.RebuildProjectionRequest,
              dev.nexus.v1.RebuildProjectionResponse>(
                service, METHODID_REBUILD_PROJECTION)))
        .addMethod(
          getListParkedEventsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ListParkedEventsRequest,
              dev.nexus.v1.ListParkedEventsResponse>(
                service, METHODID_LIST_PARKED_EVENTS)))
        .addMethod(
          getWatchDocumentsMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              dev.nexus.v1.WatchDocumentsRequest,
              dev.nexus.v1.WatchDocumentsResponse>(
                service, METHODID_WATCH_DOCUMENTS)))
        .addMethod(
          getWatchQueryMethod(),
          io.grpc.stub.ServerCalls.asyncServerStreamingCall(
            new MethodHandlers<
              dev.nexus.v1.WatchQueryRequest,
              dev.nexus.v1.WatchQueryResponse>(
                service, METHODID_WATCH_QUERY)))
        .build();
  }

  private static abstract class QueryServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    QueryServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.nexus.v1.QueryProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("QueryService");
    }
  }

  private static final class QueryServiceFileDescriptorSupplier
      extends QueryServiceBaseDescriptorSupplier {
    QueryServiceFileDescriptorSupplier() {}
  }

  private static final class QueryServiceMethodDescriptorSupplier
      extends QueryServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    QueryServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (QueryServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new QueryServiceFileDescriptorSupplier())
              .addMethod(getGetDocumentMethod())
              .addMethod(getSearchMethod())
              .addMethod(getListProjectionsMethod())
              .addMethod(getGetProjectionStatusMethod())
              .addMethod(getRegisterProjectionMethod())
              .addMethod(getRebuildProjectionMethod())
              .addMethod(getListParkedEventsMethod())
              .addMethod(getWatchDocumentsMethod())
              .addMethod(getWatchQueryMethod())
              .build();
        }
      }
    }
    return result;
  }
}
