package dev.nexus.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * The schema registry. Every event type is a subject; a subject holds
 * numbered, immutable schema versions. An event is stored only if its payload
 * matches a version of its type's subject, and a new version is accepted only
 * if it obeys the subject's compatibility mode.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class SchemaServiceGrpc {

  private SchemaServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "nexus.v1.SchemaService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.RegisterSchemaVersionRequest,
      dev.nexus.v1.RegisterSchemaVersionResponse> getRegisterSchemaVersionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "RegisterSchemaVersion",
      requestType = dev.nexus.v1.RegisterSchemaVersionRequest.class,
      responseType = dev.nexus.v1.RegisterSchemaVersionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.RegisterSchemaVersionRequest,
      dev.nexus.v1.RegisterSchemaVersionResponse> getRegisterSchemaVersionMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.RegisterSchemaVersionRequest, dev.nexus.v1.RegisterSchemaVersionResponse> getRegisterSchemaVersionMethod;
    if ((getRegisterSchemaVersionMethod = SchemaServiceGrpc.getRegisterSchemaVersionMethod) == null) {
      synchronized (SchemaServiceGrpc.class) {
        if ((getRegisterSchemaVersionMethod = SchemaServiceGrpc.getRegisterSchemaVersionMethod) == null) {
          SchemaServiceGrpc.getRegisterSchemaVersionMethod = getRegisterSchemaVersionMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.RegisterSchemaVersionRequest, dev.nexus.v1.RegisterSchemaVersionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "RegisterSchemaVersion"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.RegisterSchemaVersionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.RegisterSchemaVersionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SchemaServiceMethodDescriptorSupplier("RegisterSchemaVersion"))
              .build();
        }
      }
    }
    return getRegisterSchemaVersionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.GetSchemaVersionRequest,
      dev.nexus.v1.GetSchemaVersionResponse> getGetSchemaVersionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetSchemaVersion",
      requestType = dev.nexus.v1.GetSchemaVersionRequest.class,
      responseType = dev.nexus.v1.GetSchemaVersionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.GetSchemaVersionRequest,
      dev.nexus.v1.GetSchemaVersionResponse> getGetSchemaVersionMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.GetSchemaVersionRequest, dev.nexus.v1.GetSchemaVersionResponse> getGetSchemaVersionMethod;
    if ((getGetSchemaVersionMethod = SchemaServiceGrpc.getGetSchemaVersionMethod) == null) {
      synchronized (SchemaServiceGrpc.class) {
        if ((getGetSchemaVersionMethod = SchemaServiceGrpc.getGetSchemaVersionMethod) == null) {
          SchemaServiceGrpc.getGetSchemaVersionMethod = getGetSchemaVersionMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.GetSchemaVersionRequest, dev.nexus.v1.GetSchemaVersionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetSchemaVersion"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetSchemaVersionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetSchemaVersionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SchemaServiceMethodDescriptorSupplier("GetSchemaVersion"))
              .build();
        }
      }
    }
    return getGetSchemaVersionMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ListSubjectsRequest,
      dev.nexus.v1.ListSubjectsResponse> getListSubjectsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListSubjects",
      requestType = dev.nexus.v1.ListSubjectsRequest.class,
      responseType = dev.nexus.v1.ListSubjectsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ListSubjectsRequest,
      dev.nexus.v1.ListSubjectsResponse> getListSubjectsMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ListSubjectsRequest, dev.nexus.v1.ListSubjectsResponse> getListSubjectsMethod;
    if ((getListSubjectsMethod = SchemaServiceGrpc.getListSubjectsMethod) == null) {
      synchronized (SchemaServiceGrpc.class) {
        if ((getListSubjectsMethod = SchemaServiceGrpc.getListSubjectsMethod) == null) {
          SchemaServiceGrpc.getListSubjectsMethod = getListSubjectsMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ListSubjectsRequest, dev.nexus.v1.ListSubjectsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListSubjects"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListSubjectsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListSubjectsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SchemaServiceMethodDescriptorSupplier("ListSubjects"))
              .build();
        }
      }
    }
    return getListSubjectsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ListVersionsRequest,
      dev.nexus.v1.ListVersionsResponse> getListVersionsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListVersions",
      requestType = dev.nexus.v1.ListVersionsRequest.class,
      responseType = dev.nexus.v1.ListVersionsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ListVersionsRequest,
      dev.nexus.v1.ListVersionsResponse> getListVersionsMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ListVersionsRequest, dev.nexus.v1.ListVersionsResponse> getListVersionsMethod;
    if ((getListVersionsMethod = SchemaServiceGrpc.getListVersionsMethod) == null) {
      synchronized (SchemaServiceGrpc.class) {
        if ((getListVersionsMethod = SchemaServiceGrpc.getListVersionsMethod) == null) {
          SchemaServiceGrpc.getListVersionsMethod = getListVersionsMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ListVersionsRequest, dev.nexus.v1.ListVersionsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListVersions"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListVersionsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListVersionsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SchemaServiceMethodDescriptorSupplier("ListVersions"))
              .build();
        }
      }
    }
    return getListVersionsMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.CheckCompatibilityRequest,
      dev.nexus.v1.CheckCompatibilityResponse> getCheckCompatibilityMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CheckCompatibility",
      requestType = dev.nexus.v1.CheckCompatibilityRequest.class,
      responseType = dev.nexus.v1.CheckCompatibilityResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.CheckCompatibilityRequest,
      dev.nexus.v1.CheckCompatibilityResponse> getCheckCompatibilityMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.CheckCompatibilityRequest, dev.nexus.v1.CheckCompatibilityResponse> getCheckCompatibilityMethod;
    if ((getCheckCompatibilityMethod = SchemaServiceGrpc.getCheckCompatibilityMethod) == null) {
      synchronized (SchemaServiceGrpc.class) {
        if ((getCheckCompatibilityMethod = SchemaServiceGrpc.getCheckCompatibilityMethod) == null) {
          SchemaServiceGrpc.getCheckCompatibilityMethod = getCheckCompatibilityMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.CheckCompatibilityRequest, dev.nexus.v1.CheckCompatibilityResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CheckCompatibility"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.CheckCompatibilityRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.CheckCompatibilityResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SchemaServiceMethodDescriptorSupplier("CheckCompatibility"))
              .build();
        }
      }
    }
    return getCheckCompatibilityMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.GetCompatibilityRequest,
      dev.nexus.v1.GetCompatibilityResponse> getGetCompatibilityMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetCompatibility",
      requestType = dev.nexus.v1.GetCompatibilityRequest.class,
      responseType = dev.nexus.v1.GetCompatibilityResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.GetCompatibilityRequest,
      dev.nexus.v1.GetCompatibilityResponse> getGetCompatibilityMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.GetCompatibilityRequest, dev.nexus.v1.GetCompatibilityResponse> getGetCompatibilityMethod;
    if ((getGetCompatibilityMethod = SchemaServiceGrpc.getGetCompatibilityMethod) == null) {
      synchronized (SchemaServiceGrpc.class) {
        if ((getGetCompatibilityMethod = SchemaServiceGrpc.getGetCompatibilityMethod) == null) {
          SchemaServiceGrpc.getGetCompatibilityMethod = getGetCompatibilityMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.GetCompatibilityRequest, dev.nexus.v1.GetCompatibilityResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetCompatibility"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetCompatibilityRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetCompatibilityResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SchemaServiceMethodDescriptorSupplier("GetCompatibility"))
              .build();
        }
      }
    }
    return getGetCompatibilityMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.SetCompatibilityRequest,
      dev.nexus.v1.SetCompatibilityResponse> getSetCompatibilityMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "SetCompatibility",
      requestType = dev.nexus.v1.SetCompatibilityRequest.class,
      responseType = dev.nexus.v1.SetCompatibilityResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.SetCompatibilityRequest,
      dev.nexus.v1.SetCompatibilityResponse> getSetCompatibilityMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.SetCompatibilityRequest, dev.nexus.v1.SetCompatibilityResponse> getSetCompatibilityMethod;
    if ((getSetCompatibilityMethod = SchemaServiceGrpc.getSetCompatibilityMethod) == null) {
      synchronized (SchemaServiceGrpc.class) {
        if ((getSetCompatibilityMethod = SchemaServiceGrpc.getSetCompatibilityMethod) == null) {
          SchemaServiceGrpc.getSetCompatibilityMethod = getSetCompatibilityMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.SetCompatibilityRequest, dev.nexus.v1.SetCompatibilityResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "SetCompatibility"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.SetCompatibilityRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.SetCompatibilityResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SchemaServiceMethodDescriptorSupplier("SetCompatibility"))
              .build();
        }
      }
    }
    return getSetCompatibilityMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.GetSubjectRequest,
      dev.nexus.v1.GetSubjectResponse> getGetSubjectMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetSubject",
      requestType = dev.nexus.v1.GetSubjectRequest.class,
      responseType = dev.nexus.v1.GetSubjectResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.GetSubjectRequest,
      dev.nexus.v1.GetSubjectResponse> getGetSubjectMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.GetSubjectRequest, dev.nexus.v1.GetSubjectResponse> getGetSubjectMethod;
    if ((getGetSubjectMethod = SchemaServiceGrpc.getGetSubjectMethod) == null) {
      synchronized (SchemaServiceGrpc.class) {
        if ((getGetSubjectMethod = SchemaServiceGrpc.getGetSubjectMethod) == null) {
          SchemaServiceGrpc.getGetSubjectMethod = getGetSubjectMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.GetSubjectRequest, dev.nexus.v1.GetSubjectResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetSubject"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetSubjectRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetSubjectResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SchemaServiceMethodDescriptorSupplier("GetSubject"))
              .build();
        }
      }
    }
    return getGetSubjectMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.PutSubjectRequest,
      dev.nexus.v1.PutSubjectResponse> getPutSubjectMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "PutSubject",
      requestType = dev.nexus.v1.PutSubjectRequest.class,
      responseType = dev.nexus.v1.PutSubjectResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.PutSubjectRequest,
      dev.nexus.v1.PutSubjectResponse> getPutSubjectMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.PutSubjectRequest, dev.nexus.v1.PutSubjectResponse> getPutSubjectMethod;
    if ((getPutSubjectMethod = SchemaServiceGrpc.getPutSubjectMethod) == null) {
      synchronized (SchemaServiceGrpc.class) {
        if ((getPutSubjectMethod = SchemaServiceGrpc.getPutSubjectMethod) == null) {
          SchemaServiceGrpc.getPutSubjectMethod = getPutSubjectMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.PutSubjectRequest, dev.nexus.v1.PutSubjectResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "PutSubject"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.PutSubjectRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.PutSubjectResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SchemaServiceMethodDescriptorSupplier("PutSubject"))
              .build();
        }
      }
    }
    return getPutSubjectMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ValidatePayloadRequest,
      dev.nexus.v1.ValidatePayloadResponse> getValidatePayloadMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ValidatePayload",
      requestType = dev.nexus.v1.ValidatePayloadRequest.class,
      responseType = dev.nexus.v1.ValidatePayloadResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ValidatePayloadRequest,
      dev.nexus.v1.ValidatePayloadResponse> getValidatePayloadMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ValidatePayloadRequest, dev.nexus.v1.ValidatePayloadResponse> getValidatePayloadMethod;
    if ((getValidatePayloadMethod = SchemaServiceGrpc.getValidatePayloadMethod) == null) {
      synchronized (SchemaServiceGrpc.class) {
        if ((getValidatePayloadMethod = SchemaServiceGrpc.getValidatePayloadMethod) == null) {
          SchemaServiceGrpc.getValidatePayloadMethod = getValidatePayloadMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ValidatePayloadRequest, dev.nexus.v1.ValidatePayloadResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ValidatePayload"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ValidatePayloadRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ValidatePayloadResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SchemaServiceMethodDescriptorSupplier("ValidatePayload"))
              .build();
        }
      }
    }
    return getValidatePayloadMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.DeleteSchemaVersionRequest,
      dev.nexus.v1.DeleteSchemaVersionResponse> getDeleteSchemaVersionMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteSchemaVersion",
      requestType = dev.nexus.v1.DeleteSchemaVersionRequest.class,
      responseType = dev.nexus.v1.DeleteSchemaVersionResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.DeleteSchemaVersionRequest,
      dev.nexus.v1.DeleteSchemaVersionResponse> getDeleteSchemaVersionMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.DeleteSchemaVersionRequest, dev.nexus.v1.DeleteSchemaVersionResponse> getDeleteSchemaVersionMethod;
    if ((getDeleteSchemaVersionMethod = SchemaServiceGrpc.getDeleteSchemaVersionMethod) == null) {
      synchronized (SchemaServiceGrpc.class) {
        if ((getDeleteSchemaVersionMethod = SchemaServiceGrpc.getDeleteSchemaVersionMethod) == null) {
          SchemaServiceGrpc.getDeleteSchemaVersionMethod = getDeleteSchemaVersionMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.DeleteSchemaVersionRequest, dev.nexus.v1.DeleteSchemaVersionResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteSchemaVersion"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.DeleteSchemaVersionRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.DeleteSchemaVersionResponse.getDefaultInstance()))
              .setSchemaDescriptor(new SchemaServiceMethodDescriptorSupplier("DeleteSchemaVersion"))
              .build();
        }
      }
    }
    return getDeleteSchemaVersionMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static SchemaServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SchemaServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SchemaServiceStub>() {
        @java.lang.Override
        public SchemaServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SchemaServiceStub(channel, callOptions);
        }
      };
    return SchemaServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static SchemaServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SchemaServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SchemaServiceBlockingV2Stub>() {
        @java.lang.Override
        public SchemaServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SchemaServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return SchemaServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static SchemaServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SchemaServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SchemaServiceBlockingStub>() {
        @java.lang.Override
        public SchemaServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SchemaServiceBlockingStub(channel, callOptions);
        }
      };
    return SchemaServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static SchemaServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<SchemaServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<SchemaServiceFutureStub>() {
        @java.lang.Override
        public SchemaServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new SchemaServiceFutureStub(channel, callOptions);
        }
      };
    return SchemaServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * The schema registry. Every event type is a subject; a subject holds
   * numbered, immutable schema versions. An event is stored only if its payload
   * matches a version of its type's subject, and a new version is accepted only
   * if it obeys the subject's compatibility mode.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Registers a new version of a subject's schema (creating the subject on
     * its first version). Registering a definition equal to an existing version
     * returns that version (created = false). An incompatible definition fails
     * with FAILED_PRECONDITION (reason SCHEMA_INCOMPATIBLE) and a
     * google.rpc.PreconditionFailure listing every breaking change.
     * </pre>
     */
    default void registerSchemaVersion(dev.nexus.v1.RegisterSchemaVersionRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.RegisterSchemaVersionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getRegisterSchemaVersionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Reads one version: by id, by subject and number, or the latest.
     * </pre>
     */
    default void getSchemaVersion(dev.nexus.v1.GetSchemaVersionRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetSchemaVersionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetSchemaVersionMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists subjects in name order, one page at a time.
     * </pre>
     */
    default void listSubjects(dev.nexus.v1.ListSubjectsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListSubjectsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListSubjectsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists a subject's versions in number order, one page at a time.
     * </pre>
     */
    default void listVersions(dev.nexus.v1.ListVersionsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListVersionsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListVersionsMethod(), responseObserver);
    }

    /**
     * <pre>
     * Dry run of a registration: would this definition be accepted, and if not,
     * which changes break compatibility.
     * </pre>
     */
    default void checkCompatibility(dev.nexus.v1.CheckCompatibilityRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.CheckCompatibilityResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCheckCompatibilityMethod(), responseObserver);
    }

    /**
     * <pre>
     * The compatibility mode of a subject, or the registry-wide default.
     * </pre>
     */
    default void getCompatibility(dev.nexus.v1.GetCompatibilityRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetCompatibilityResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetCompatibilityMethod(), responseObserver);
    }

    /**
     * <pre>
     * Sets the compatibility mode of a subject, or the registry-wide default.
     * </pre>
     */
    default void setCompatibility(dev.nexus.v1.SetCompatibilityRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.SetCompatibilityResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getSetCompatibilityMethod(), responseObserver);
    }

    /**
     * <pre>
     * Reads a subject's settings.
     * </pre>
     */
    default void getSubject(dev.nexus.v1.GetSubjectRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetSubjectResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetSubjectMethod(), responseObserver);
    }

    /**
     * <pre>
     * Creates a subject or replaces its settings (route, upcasters …).
     * </pre>
     */
    default void putSubject(dev.nexus.v1.PutSubjectRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.PutSubjectResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getPutSubjectMethod(), responseObserver);
    }

    /**
     * <pre>
     * Checks a payload against a version without storing anything.
     * </pre>
     */
    default void validatePayload(dev.nexus.v1.ValidatePayloadRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ValidatePayloadResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getValidatePayloadMethod(), responseObserver);
    }

    /**
     * <pre>
     * Deletes a version. A soft delete keeps it for reading old events but
     * refuses it for new ones; a permanent delete (of a soft-deleted version)
     * removes it, and fails with FAILED_PRECONDITION (reason
     * SCHEMA_VERSION_IN_USE) if events were ever stored under it.
     * </pre>
     */
    default void deleteSchemaVersion(dev.nexus.v1.DeleteSchemaVersionRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.DeleteSchemaVersionResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteSchemaVersionMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service SchemaService.
   * <pre>
   * The schema registry. Every event type is a subject; a subject holds
   * numbered, immutable schema versions. An event is stored only if its payload
   * matches a version of its type's subject, and a new version is accepted only
   * if it obeys the subject's compatibility mode.
   * </pre>
   */
  public static abstract class SchemaServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return SchemaServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service SchemaService.
   * <pre>
   * The schema registry. Every event type is a subject; a subject holds
   * numbered, immutable schema versions. An event is stored only if its payload
   * matches a version of its type's subject, and a new version is accepted only
   * if it obeys the subject's compatibility mode.
   * </pre>
   */
  public static final class SchemaServiceStub
      extends io.grpc.stub.AbstractAsyncStub<SchemaServiceStub> {
    private SchemaServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SchemaServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SchemaServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Registers a new version of a subject's schema (creating the subject on
     * its first version). Registering a definition equal to an existing version
     * returns that version (created = false). An incompatible definition fails
     * with FAILED_PRECONDITION (reason SCHEMA_INCOMPATIBLE) and a
     * google.rpc.PreconditionFailure listing every breaking change.
     * </pre>
     */
    public void registerSchemaVersion(dev.nexus.v1.RegisterSchemaVersionRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.RegisterSchemaVersionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getRegisterSchemaVersionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Reads one version: by id, by subject and number, or the latest.
     * </pre>
     */
    public void getSchemaVersion(dev.nexus.v1.GetSchemaVersionRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetSchemaVersionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetSchemaVersionMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists subjects in name order, one page at a time.
     * </pre>
     */
    public void listSubjects(dev.nexus.v1.ListSubjectsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListSubjectsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListSubjectsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists a subject's versions in number order, one page at a time.
     * </pre>
     */
    public void listVersions(dev.nexus.v1.ListVersionsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListVersionsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListVersionsMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Dry run of a registration: would this definition be accepted, and if not,
     * which changes break compatibility.
     * </pre>
     */
    public void checkCompatibility(dev.nexus.v1.CheckCompatibilityRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.CheckCompatibilityResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCheckCompatibilityMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * The compatibility mode of a subject, or the registry-wide default.
     * </pre>
     */
    public void getCompatibility(dev.nexus.v1.GetCompatibilityRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetCompatibilityResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetCompatibilityMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Sets the compatibility mode of a subject, or the registry-wide default.
     * </pre>
     */
    public void setCompatibility(dev.nexus.v1.SetCompatibilityRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.SetCompatibilityResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getSetCompatibilityMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Reads a subject's settings.
     * </pre>
     */
    public void getSubject(dev.nexus.v1.GetSubjectRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetSubjectResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetSubjectMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Creates a subject or replaces its settings (route, upcasters …).
     * </pre>
     */
    public void putSubject(dev.nexus.v1.PutSubjectRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.PutSubjectResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getPutSubjectMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Checks a payload against a version without storing anything.
     * </pre>
     */
    public void validatePayload(dev.nexus.v1.ValidatePayloadRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ValidatePayloadResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getValidatePayloadMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Deletes a version. A soft delete keeps it for reading old events but
     * refuses it for new ones; a permanent delete (of a soft-deleted version)
     * removes it, and fails with FAILED_PRECONDITION (reason
     * SCHEMA_VERSION_IN_USE) if events were ever stored under it.
     * </pre>
     */
    public void deleteSchemaVersion(dev.nexus.v1.DeleteSchemaVersionRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.DeleteSchemaVersionResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteSchemaVersionMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service SchemaService.
   * <pre>
   * The schema registry. Every event type is a subject; a subject holds
   * numbered, immutable schema versions. An event is stored only if its payload
   * matches a version of its type's subject, and a new version is accepted only
   * if it obeys the subject's compatibility mode.
   * </pre>
   */
  public static final class SchemaServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<SchemaServiceBlockingV2Stub> {
    private SchemaServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SchemaServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SchemaServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Registers a new version of a subject's schema (creating the subject on
     * its first version). Registering a definition equal to an existing version
     * returns that version (created = false). An incompatible definition fails
     * with FAILED_PRECONDITION (reason SCHEMA_INCOMPATIBLE) and a
     * google.rpc.PreconditionFailure listing every breaking change.
     * </pre>
     */
    public dev.nexus.v1.RegisterSchemaVersionResponse registerSchemaVersion(dev.nexus.v1.RegisterSchemaVersionRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getRegisterSchemaVersionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reads one version: by id, by subject and number, or the latest.
     * </pre>
     */
    public dev.nexus.v1.GetSchemaVersionResponse getSchemaVersion(dev.nexus.v1.GetSchemaVersionRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetSchemaVersionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists subjects in name order, one page at a time.
     * </pre>
     */
    public dev.nexus.v1.ListSubjectsResponse listSubjects(dev.nexus.v1.ListSubjectsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListSubjectsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists a subject's versions in number order, one page at a time.
     * </pre>
     */
    public dev.nexus.v1.ListVersionsResponse listVersions(dev.nexus.v1.ListVersionsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListVersionsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Dry run of a registration: would this definition be accepted, and if not,
     * which changes break compatibility.
     * </pre>
     */
    public dev.nexus.v1.CheckCompatibilityResponse checkCompatibility(dev.nexus.v1.CheckCompatibilityRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCheckCompatibilityMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The compatibility mode of a subject, or the registry-wide default.
     * </pre>
     */
    public dev.nexus.v1.GetCompatibilityResponse getCompatibility(dev.nexus.v1.GetCompatibilityRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetCompatibilityMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sets the compatibility mode of a subject, or the registry-wide default.
     * </pre>
     */
    public dev.nexus.v1.SetCompatibilityResponse setCompatibility(dev.nexus.v1.SetCompatibilityRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getSetCompatibilityMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reads a subject's settings.
     * </pre>
     */
    public dev.nexus.v1.GetSubjectResponse getSubject(dev.nexus.v1.GetSubjectRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetSubjectMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Creates a subject or replaces its settings (route, upcasters …).
     * </pre>
     */
    public dev.nexus.v1.PutSubjectResponse putSubject(dev.nexus.v1.PutSubjectRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getPutSubjectMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Checks a payload against a version without storing anything.
     * </pre>
     */
    public dev.nexus.v1.ValidatePayloadResponse validatePayload(dev.nexus.v1.ValidatePayloadRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getValidatePayloadMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a version. A soft delete keeps it for reading old events but
     * refuses it for new ones; a permanent delete (of a soft-deleted version)
     * removes it, and fails with FAILED_PRECONDITION (reason
     * SCHEMA_VERSION_IN_USE) if events were ever stored under it.
     * </pre>
     */
    public dev.nexus.v1.DeleteSchemaVersionResponse deleteSchemaVersion(dev.nexus.v1.DeleteSchemaVersionRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getDeleteSchemaVersionMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service SchemaService.
   * <pre>
   * The schema registry. Every event type is a subject; a subject holds
   * numbered, immutable schema versions. An event is stored only if its payload
   * matches a version of its type's subject, and a new version is accepted only
   * if it obeys the subject's compatibility mode.
   * </pre>
   */
  public static final class SchemaServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<SchemaServiceBlockingStub> {
    private SchemaServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SchemaServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SchemaServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Registers a new version of a subject's schema (creating the subject on
     * its first version). Registering a definition equal to an existing version
     * returns that version (created = false). An incompatible definition fails
     * with FAILED_PRECONDITION (reason SCHEMA_INCOMPATIBLE) and a
     * google.rpc.PreconditionFailure listing every breaking change.
     * </pre>
     */
    public dev.nexus.v1.RegisterSchemaVersionResponse registerSchemaVersion(dev.nexus.v1.RegisterSchemaVersionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getRegisterSchemaVersionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reads one version: by id, by subject and number, or the latest.
     * </pre>
     */
    public dev.nexus.v1.GetSchemaVersionResponse getSchemaVersion(dev.nexus.v1.GetSchemaVersionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetSchemaVersionMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists subjects in name order, one page at a time.
     * </pre>
     */
    public dev.nexus.v1.ListSubjectsResponse listSubjects(dev.nexus.v1.ListSubjectsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListSubjectsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists a subject's versions in number order, one page at a time.
     * </pre>
     */
    public dev.nexus.v1.ListVersionsResponse listVersions(dev.nexus.v1.ListVersionsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListVersionsMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Dry run of a registration: would this definition be accepted, and if not,
     * which changes break compatibility.
     * </pre>
     */
    public dev.nexus.v1.CheckCompatibilityResponse checkCompatibility(dev.nexus.v1.CheckCompatibilityRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCheckCompatibilityMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * The compatibility mode of a subject, or the registry-wide default.
     * </pre>
     */
    public dev.nexus.v1.GetCompatibilityResponse getCompatibility(dev.nexus.v1.GetCompatibilityRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetCompatibilityMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Sets the compatibility mode of a subject, or the registry-wide default.
     * </pre>
     */
    public dev.nexus.v1.SetCompatibilityResponse setCompatibility(dev.nexus.v1.SetCompatibilityRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getSetCompatibilityMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reads a subject's settings.
     * </pre>
     */
    public dev.nexus.v1.GetSubjectResponse getSubject(dev.nexus.v1.GetSubjectRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetSubjectMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Creates a subject or replaces its settings (route, upcasters …).
     * </pre>
     */
    public dev.nexus.v1.PutSubjectResponse putSubject(dev.nexus.v1.PutSubjectRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getPutSubjectMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Checks a payload against a version without storing anything.
     * </pre>
     */
    public dev.nexus.v1.ValidatePayloadResponse validatePayload(dev.nexus.v1.ValidatePayloadRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getValidatePayloadMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Deletes a version. A soft delete keeps it for reading old events but
     * refuses it for new ones; a permanent delete (of a soft-deleted version)
     * removes it, and fails with FAILED_PRECONDITION (reason
     * SCHEMA_VERSION_IN_USE) if events were ever stored under it.
     * </pre>
     */
    public dev.nexus.v1.DeleteSchemaVersionResponse deleteSchemaVersion(dev.nexus.v1.DeleteSchemaVersionRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteSchemaVersionMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service SchemaService.
   * <pre>
   * The schema registry. Every event type is a subject; a subject holds
   * numbered, immutable schema versions. An event is stored only if its payload
   * matches a version of its type's subject, and a new version is accepted only
   * if it obeys the subject's compatibility mode.
   * </pre>
   */
  public static final class SchemaServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<SchemaServiceFutureStub> {
    private SchemaServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected SchemaServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new SchemaServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Registers a new version of a subject's schema (creating the subject on
     * its first version). Registering a definition equal to an existing version
     * returns that version (created = false). An incompatible definition fails
     * with FAILED_PRECONDITION (reason SCHEMA_INCOMPATIBLE) and a
     * google.rpc.PreconditionFailure listing every breaking change.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.RegisterSchemaVersionResponse> registerSchemaVersion(
        dev.nexus.v1.RegisterSchemaVersionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getRegisterSchemaVersionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Reads one version: by id, by subject and number, or the latest.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.GetSchemaVersionResponse> getSchemaVersion(
        dev.nexus.v1.GetSchemaVersionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetSchemaVersionMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists subjects in name order, one page at a time.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ListSubjectsResponse> listSubjects(
        dev.nexus.v1.ListSubjectsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListSubjectsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists a subject's versions in number order, one page at a time.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ListVersionsResponse> listVersions(
        dev.nexus.v1.ListVersionsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListVersionsMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Dry run of a registration: would this definition be accepted, and if not,
     * which changes break compatibility.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.CheckCompatibilityResponse> checkCompatibility(
        dev.nexus.v1.CheckCompatibilityRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCheckCompatibilityMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * The compatibility mode of a subject, or the registry-wide default.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.GetCompatibilityResponse> getCompatibility(
        dev.nexus.v1.GetCompatibilityRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetCompatibilityMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Sets the compatibility mode of a subject, or the registry-wide default.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.SetCompatibilityResponse> setCompatibility(
        dev.nexus.v1.SetCompatibilityRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getSetCompatibilityMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Reads a subject's settings.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.GetSubjectResponse> getSubject(
        dev.nexus.v1.GetSubjectRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetSubjectMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Creates a subject or replaces its settings (route, upcasters …).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.PutSubjectResponse> putSubject(
        dev.nexus.v1.PutSubjectRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getPutSubjectMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Checks a payload against a version without storing anything.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ValidatePayloadResponse> validatePayload(
        dev.nexus.v1.ValidatePayloadRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getValidatePayloadMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Deletes a version. A soft delete keeps it for reading old events but
     * refuses it for new ones; a permanent delete (of a soft-deleted version)
     * removes it, and fails with FAILED_PRECONDITION (reason
     * SCHEMA_VERSION_IN_USE) if events were ever stored under it.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.DeleteSchemaVersionResponse> deleteSchemaVersion(
        dev.nexus.v1.DeleteSchemaVersionRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteSchemaVersionMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_REGISTER_SCHEMA_VERSION = 0;
  private static final int METHODID_GET_SCHEMA_VERSION = 1;
  private static final int METHODID_LIST_SUBJECTS = 2;
  private static final int METHODID_LIST_VERSIONS = 3;
  private static final int METHODID_CHECK_COMPATIBILITY = 4;
  private static final int METHODID_GET_COMPATIBILITY = 5;
  private static final int METHODID_SET_COMPATIBILITY = 6;
  private static final int METHODID_GET_SUBJECT = 7;
  private static final int METHODID_PUT_SUBJECT = 8;
  private static final int METHODID_VALIDATE_PAYLOAD = 9;
  private static final int METHODID_DELETE_SCHEMA_VERSION = 10;

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
        case METHODID_REGISTER_SCHEMA_VERSION:
          serviceImpl.registerSchemaVersion((dev.nexus.v1.RegisterSchemaVersionRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.RegisterSchemaVersionResponse>) responseObserver);
          break;
        case METHODID_GET_SCHEMA_VERSION:
          serviceImpl.getSchemaVersion((dev.nexus.v1.GetSchemaVersionRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.GetSchemaVersionResponse>) responseObserver);
          break;
        case METHODID_LIST_SUBJECTS:
          serviceImpl.listSubjects((dev.nexus.v1.ListSubjectsRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ListSubjectsResponse>) responseObserver);
          break;
        case METHODID_LIST_VERSIONS:
          serviceImpl.listVersions((dev.nexus.v1.ListVersionsRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ListVersionsResponse>) responseObserver);
          break;
        case METHODID_CHECK_COMPATIBILITY:
          serviceImpl.checkCompatibility((dev.nexus.v1.CheckCompatibilityRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.CheckCompatibilityResponse>) responseObserver);
          break;
        case METHODID_GET_COMPATIBILITY:
          serviceImpl.getCompatibility((dev.nexus.v1.GetCompatibilityRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.GetCompatibilityResponse>) responseObserver);
          break;
        case METHODID_SET_COMPATIBILITY:
          serviceImpl.setCompatibility((dev.nexus.v1.SetCompatibilityRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.SetCompatibilityResponse>) responseObserver);
          break;
        case METHODID_GET_SUBJECT:
          serviceImpl.getSubject((dev.nexus.v1.GetSubjectRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.GetSubjectResponse>) responseObserver);
          break;
        case METHODID_PUT_SUBJECT:
          serviceImpl.putSubject((dev.nexus.v1.PutSubjectRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.PutSubjectResponse>) responseObserver);
          break;
        case METHODID_VALIDATE_PAYLOAD:
          serviceImpl.validatePayload((dev.nexus.v1.ValidatePayloadRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ValidatePayloadResponse>) responseObserver);
          break;
        case METHODID_DELETE_SCHEMA_VERSION:
          serviceImpl.deleteSchemaVersion((dev.nexus.v1.DeleteSchemaVersionRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.DeleteSchemaVersionResponse>) responseObserver);
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
          getRegisterSchemaVersionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.RegisterSchemaVersionRequest,
              dev.nexus.v1.RegisterSchemaVersionResponse>(
                service, METHODID_REGISTER_SCHEMA_VERSION)))
        .addMethod(
          getGetSchemaVersionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.GetSchemaVersionRequest,
              dev.nexus.v1.GetSchemaVersionResponse>(
                service, METHODID_GET_SCHEMA_VERSION)))
        .addMethod(
          getListSubjectsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ListSubjectsRequest,
              dev.nexus.v1.ListSubjectsResponse>(
                service, METHODID_LIST_SUBJECTS)))
        .addMethod(
          getListVersionsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ListVersionsRequest,
              dev.nexus.v1.ListVersionsResponse>(
                service, METHODID_LIST_VERSIONS)))
        .addMethod(
          getCheckCompatibilityMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.CheckCompatibilityRequest,
              dev.nexus.v1.CheckCompatibilityResponse>(
                service, METHODID_CHECK_COMPATIBILITY)))
        .addMethod(
          getGetCompatibilityMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.GetCompatibilityRequest,
              dev.nexus.v1.GetCompatibilityResponse>(
                service, METHODID_GET_COMPATIBILITY)))
        .addMethod(
          getSetCompatibilityMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.SetCompatibilityRequest,
              dev.nexus.v1.SetCompatibilityResponse>(
                service, METHODID_SET_COMPATIBILITY)))
        .addMethod(
          getGetSubjectMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.GetSubjectRequest,
              dev.nexus.v1.GetSubjectResponse>(
                service, METHODID_GET_SUBJECT)))
        .addMethod(
          getPutSubjectMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.PutSubjectRequest,
              dev.nexus.v1.PutSubjectResponse>(
                service, METHODID_PUT_SUBJECT)))
        .addMethod(
          getValidatePayloadMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ValidatePayloadRequest,
              dev.nexus.v1.ValidatePayloadResponse>(
                service, METHODID_VALIDATE_PAYLOAD)))
        .addMethod(
          getDeleteSchemaVersionMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.DeleteSchemaVersionRequest,
              dev.nexus.v1.DeleteSchemaVersionResponse>(
                service, METHODID_DELETE_SCHEMA_VERSION)))
        .build();
  }

  private static abstract class SchemaServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    SchemaServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.nexus.v1.SchemaProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("SchemaService");
    }
  }

  private static final class SchemaServiceFileDescriptorSupplier
      extends SchemaServiceBaseDescriptorSupplier {
    SchemaServiceFileDescriptorSupplier() {}
  }

  private static final class SchemaServiceMethodDescriptorSupplier
      extends SchemaServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    SchemaServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (SchemaServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new SchemaServiceFileDescriptorSupplier())
              .addMethod(getRegisterSchemaVersionMethod())
              .addMethod(getGetSchemaVersionMethod())
              .addMethod(getListSubjectsMethod())
              .addMethod(getListVersionsMethod())
              .addMethod(getCheckCompatibilityMethod())
              .addMethod(getGetCompatibilityMethod())
              .addMethod(getSetCompatibilityMethod())
              .addMethod(getGetSubjectMethod())
              .addMethod(getPutSubjectMethod())
              .addMethod(getValidatePayloadMethod())
              .addMethod(getDeleteSchemaVersionMethod())
              .build();
        }
      }
    }
    return result;
  }
}
