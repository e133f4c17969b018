package dev.nexus.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * The policy engine: Rego policies (policies/ in the repository) decide every
 * call (package nexus.authz) and every event before it is stored (package
 * nexus.events). Every decision on a write, and every deny, is recorded in
 * the audit stream "$audit", which clients can read but never write.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class PolicyServiceGrpc {

  private PolicyServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "nexus.v1.PolicyService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.EvaluateRequest,
      dev.nexus.v1.EvaluateResponse> getEvaluateMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "Evaluate",
      requestType = dev.nexus.v1.EvaluateRequest.class,
      responseType = dev.nexus.v1.EvaluateResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.EvaluateRequest,
      dev.nexus.v1.EvaluateResponse> getEvaluateMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.EvaluateRequest, dev.nexus.v1.EvaluateResponse> getEvaluateMethod;
    if ((getEvaluateMethod = PolicyServiceGrpc.getEvaluateMethod) == null) {
      synchronized (PolicyServiceGrpc.class) {
        if ((getEvaluateMethod = PolicyServiceGrpc.getEvaluateMethod) == null) {
          PolicyServiceGrpc.getEvaluateMethod = getEvaluateMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.EvaluateRequest, dev.nexus.v1.EvaluateResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "Evaluate"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.EvaluateRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.EvaluateResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PolicyServiceMethodDescriptorSupplier("Evaluate"))
              .build();
        }
      }
    }
    return getEvaluateMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ListPoliciesRequest,
      dev.nexus.v1.ListPoliciesResponse> getListPoliciesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListPolicies",
      requestType = dev.nexus.v1.ListPoliciesRequest.class,
      responseType = dev.nexus.v1.ListPoliciesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ListPoliciesRequest,
      dev.nexus.v1.ListPoliciesResponse> getListPoliciesMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ListPoliciesRequest, dev.nexus.v1.ListPoliciesResponse> getListPoliciesMethod;
    if ((getListPoliciesMethod = PolicyServiceGrpc.getListPoliciesMethod) == null) {
      synchronized (PolicyServiceGrpc.class) {
        if ((getListPoliciesMethod = PolicyServiceGrpc.getListPoliciesMethod) == null) {
          PolicyServiceGrpc.getListPoliciesMethod = getListPoliciesMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ListPoliciesRequest, dev.nexus.v1.ListPoliciesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListPolicies"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListPoliciesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListPoliciesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PolicyServiceMethodDescriptorSupplier("ListPolicies"))
              .build();
        }
      }
    }
    return getListPoliciesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.GetPolicyRequest,
      dev.nexus.v1.GetPolicyResponse> getGetPolicyMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetPolicy",
      requestType = dev.nexus.v1.GetPolicyRequest.class,
      responseType = dev.nexus.v1.GetPolicyResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.GetPolicyRequest,
      dev.nexus.v1.GetPolicyResponse> getGetPolicyMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.GetPolicyRequest, dev.nexus.v1.GetPolicyResponse> getGetPolicyMethod;
    if ((getGetPolicyMethod = PolicyServiceGrpc.getGetPolicyMethod) == null) {
      synchronized (PolicyServiceGrpc.class) {
        if ((getGetPolicyMethod = PolicyServiceGrpc.getGetPolicyMethod) == null) {
          PolicyServiceGrpc.getGetPolicyMethod = getGetPolicyMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.GetPolicyRequest, dev.nexus.v1.GetPolicyResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetPolicy"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetPolicyRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.GetPolicyResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PolicyServiceMethodDescriptorSupplier("GetPolicy"))
              .build();
        }
      }
    }
    return getGetPolicyMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ReloadPoliciesRequest,
      dev.nexus.v1.ReloadPoliciesResponse> getReloadPoliciesMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ReloadPolicies",
      requestType = dev.nexus.v1.ReloadPoliciesRequest.class,
      responseType = dev.nexus.v1.ReloadPoliciesResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ReloadPoliciesRequest,
      dev.nexus.v1.ReloadPoliciesResponse> getReloadPoliciesMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ReloadPoliciesRequest, dev.nexus.v1.ReloadPoliciesResponse> getReloadPoliciesMethod;
    if ((getReloadPoliciesMethod = PolicyServiceGrpc.getReloadPoliciesMethod) == null) {
      synchronized (PolicyServiceGrpc.class) {
        if ((getReloadPoliciesMethod = PolicyServiceGrpc.getReloadPoliciesMethod) == null) {
          PolicyServiceGrpc.getReloadPoliciesMethod = getReloadPoliciesMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ReloadPoliciesRequest, dev.nexus.v1.ReloadPoliciesResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ReloadPolicies"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ReloadPoliciesRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ReloadPoliciesResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PolicyServiceMethodDescriptorSupplier("ReloadPolicies"))
              .build();
        }
      }
    }
    return getReloadPoliciesMethod;
  }

  private static volatile io.grpc.MethodDescriptor<dev.nexus.v1.ListDecisionsRequest,
      dev.nexus.v1.ListDecisionsResponse> getListDecisionsMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListDecisions",
      requestType = dev.nexus.v1.ListDecisionsRequest.class,
      responseType = dev.nexus.v1.ListDecisionsResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<dev.nexus.v1.ListDecisionsRequest,
      dev.nexus.v1.ListDecisionsResponse> getListDecisionsMethod() {
    io.grpc.MethodDescriptor<dev.nexus.v1.ListDecisionsRequest, dev.nexus.v1.ListDecisionsResponse> getListDecisionsMethod;
    if ((getListDecisionsMethod = PolicyServiceGrpc.getListDecisionsMethod) == null) {
      synchronized (PolicyServiceGrpc.class) {
        if ((getListDecisionsMethod = PolicyServiceGrpc.getListDecisionsMethod) == null) {
          PolicyServiceGrpc.getListDecisionsMethod = getListDecisionsMethod =
              io.grpc.MethodDescriptor.<dev.nexus.v1.ListDecisionsRequest, dev.nexus.v1.ListDecisionsResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListDecisions"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListDecisionsRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  dev.nexus.v1.ListDecisionsResponse.getDefaultInstance()))
              .setSchemaDescriptor(new PolicyServiceMethodDescriptorSupplier("ListDecisions"))
              .build();
        }
      }
    }
    return getListDecisionsMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static PolicyServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PolicyServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<PolicyServiceStub>() {
        @java.lang.Override
        public PolicyServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new PolicyServiceStub(channel, callOptions);
        }
      };
    return PolicyServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static PolicyServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PolicyServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<PolicyServiceBlockingV2Stub>() {
        @java.lang.Override
        public PolicyServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new PolicyServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return PolicyServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static PolicyServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PolicyServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<PolicyServiceBlockingStub>() {
        @java.lang.Override
        public PolicyServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new PolicyServiceBlockingStub(channel, callOptions);
        }
      };
    return PolicyServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static PolicyServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<PolicyServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<PolicyServiceFutureStub>() {
        @java.lang.Override
        public PolicyServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new PolicyServiceFutureStub(channel, callOptions);
        }
      };
    return PolicyServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * The policy engine: Rego policies (policies/ in the repository) decide every
   * call (package nexus.authz) and every event before it is stored (package
   * nexus.events). Every decision on a write, and every deny, is recorded in
   * the audit stream "$audit", which clients can read but never write.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * Dry run: evaluates an input against the loaded policies and returns the
     * decision. Records nothing and changes nothing.
     * </pre>
     */
    default void evaluate(dev.nexus.v1.EvaluateRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.EvaluateResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getEvaluateMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists the loaded policy files.
     * </pre>
     */
    default void listPolicies(dev.nexus.v1.ListPoliciesRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListPoliciesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListPoliciesMethod(), responseObserver);
    }

    /**
     * <pre>
     * Reads one loaded policy file, with its source.
     * </pre>
     */
    default void getPolicy(dev.nexus.v1.GetPolicyRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetPolicyResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetPolicyMethod(), responseObserver);
    }

    /**
     * <pre>
     * Loads the policy folder again, atomically: if any file fails to parse
     * the call fails with FAILED_PRECONDITION (reason POLICY_INVALID) naming
     * the file and line, and the previous policies stay active.
     * </pre>
     */
    default void reloadPolicies(dev.nexus.v1.ReloadPoliciesRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ReloadPoliciesResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getReloadPoliciesMethod(), responseObserver);
    }

    /**
     * <pre>
     * Lists recorded decisions, newest first, one page at a time.
     * </pre>
     */
    default void listDecisions(dev.nexus.v1.ListDecisionsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListDecisionsResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListDecisionsMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service PolicyService.
   * <pre>
   * The policy engine: Rego policies (policies/ in the repository) decide every
   * call (package nexus.authz) and every event before it is stored (package
   * nexus.events). Every decision on a write, and every deny, is recorded in
   * the audit stream "$audit", which clients can read but never write.
   * </pre>
   */
  public static abstract class PolicyServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return PolicyServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service PolicyService.
   * <pre>
   * The policy engine: Rego policies (policies/ in the repository) decide every
   * call (package nexus.authz) and every event before it is stored (package
   * nexus.events). Every decision on a write, and every deny, is recorded in
   * the audit stream "$audit", which clients can read but never write.
   * </pre>
   */
  public static final class PolicyServiceStub
      extends io.grpc.stub.AbstractAsyncStub<PolicyServiceStub> {
    private PolicyServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PolicyServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PolicyServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * Dry run: evaluates an input against the loaded policies and returns the
     * decision. Records nothing and changes nothing.
     * </pre>
     */
    public void evaluate(dev.nexus.v1.EvaluateRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.EvaluateResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getEvaluateMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists the loaded policy files.
     * </pre>
     */
    public void listPolicies(dev.nexus.v1.ListPoliciesRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListPoliciesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListPoliciesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Reads one loaded policy file, with its source.
     * </pre>
     */
    public void getPolicy(dev.nexus.v1.GetPolicyRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.GetPolicyResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetPolicyMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Loads the policy folder again, atomically: if any file fails to parse
     * the call fails with FAILED_PRECONDITION (reason POLICY_INVALID) naming
     * the file and line, and the previous policies stay active.
     * </pre>
     */
    public void reloadPolicies(dev.nexus.v1.ReloadPoliciesRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ReloadPoliciesResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getReloadPoliciesMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * Lists recorded decisions, newest first, one page at a time.
     * </pre>
     */
    public void listDecisions(dev.nexus.v1.ListDecisionsRequest request,
        io.grpc.stub.StreamObserver<dev.nexus.v1.ListDecisionsResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListDecisionsMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service PolicyService.
   * <pre>
   * The policy engine: Rego policies (policies/ in the repository) decide every
   * call (package nexus.authz) and every event before it is stored (package
   * nexus.events). Every decision on a write, and every deny, is recorded in
   * the audit stream "$audit", which clients can read but never write.
   * </pre>
   */
  public static final class PolicyServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<PolicyServiceBlockingV2Stub> {
    private PolicyServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PolicyServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PolicyServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * Dry run: evaluates an input against the loaded policies and returns the
     * decision. Records nothing and changes nothing.
     * </pre>
     */
    public dev.nexus.v1.EvaluateResponse evaluate(dev.nexus.v1.EvaluateRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getEvaluateMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the loaded policy files.
     * </pre>
     */
    public dev.nexus.v1.ListPoliciesResponse listPolicies(dev.nexus.v1.ListPoliciesRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListPoliciesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reads one loaded policy file, with its source.
     * </pre>
     */
    public dev.nexus.v1.GetPolicyResponse getPolicy(dev.nexus.v1.GetPolicyRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetPolicyMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Loads the policy folder again, atomically: if any file fails to parse
     * the call fails with FAILED_PRECONDITION (reason POLICY_INVALID) naming
     * the file and line, and the previous policies stay active.
     * </pre>
     */
    public dev.nexus.v1.ReloadPoliciesResponse reloadPolicies(dev.nexus.v1.ReloadPoliciesRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getReloadPoliciesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists recorded decisions, newest first, one page at a time.
     * </pre>
     */
    public dev.nexus.v1.ListDecisionsResponse listDecisions(dev.nexus.v1.ListDecisionsRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListDecisionsMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service PolicyService.
   * <pre>
   * The policy engine: Rego policies (policies/ in the repository) decide every
   * call (package nexus.authz) and every event before it is stored (package
   * nexus.events). Every decision on a write, and every deny, is recorded in
   * the audit stream "$audit", which clients can read but never write.
   * </pre>
   */
  public static final class PolicyServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<PolicyServiceBlockingStub> {
    private PolicyServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PolicyServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PolicyServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * Dry run: evaluates an input against the loaded policies and returns the
     * decision. Records nothing and changes nothing.
     * </pre>
     */
    public dev.nexus.v1.EvaluateResponse evaluate(dev.nexus.v1.EvaluateRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getEvaluateMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists the loaded policy files.
     * </pre>
     */
    public dev.nexus.v1.ListPoliciesResponse listPolicies(dev.nexus.v1.ListPoliciesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListPoliciesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Reads one loaded policy file, with its source.
     * </pre>
     */
    public dev.nexus.v1.GetPolicyResponse getPolicy(dev.nexus.v1.GetPolicyRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetPolicyMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Loads the policy folder again, atomically: if any file fails to parse
     * the call fails with FAILED_PRECONDITION (reason POLICY_INVALID) naming
     * the file and line, and the previous policies stay active.
     * </pre>
     */
    public dev.nexus.v1.ReloadPoliciesResponse reloadPolicies(dev.nexus.v1.ReloadPoliciesRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getReloadPoliciesMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * Lists recorded decisions, newest first, one page at a time.
     * </pre>
     */
    public dev.nexus.v1.ListDecisionsResponse listDecisions(dev.nexus.v1.ListDecisionsRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListDecisionsMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service PolicyService.
   * <pre>
   * The policy engine: Rego policies (policies/ in the repository) decide every
   * call (package nexus.authz) and every event before it is stored (package
   * nexus.events). Every decision on a write, and every deny, is recorded in
   * the audit stream "$audit", which clients can read but never write.
   * </pre>
   */
  public static final class PolicyServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<PolicyServiceFutureStub> {
    private PolicyServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected PolicyServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new PolicyServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * Dry run: evaluates an input against the loaded policies and returns the
     * decision. Records nothing and changes nothing.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.EvaluateResponse> evaluate(
        dev.nexus.v1.EvaluateRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getEvaluateMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists the loaded policy files.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ListPoliciesResponse> listPolicies(
        dev.nexus.v1.ListPoliciesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListPoliciesMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Reads one loaded policy file, with its source.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.GetPolicyResponse> getPolicy(
        dev.nexus.v1.GetPolicyRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetPolicyMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Loads the policy folder again, atomically: if any file fails to parse
     * the call fails with FAILED_PRECONDITION (reason POLICY_INVALID) naming
     * the file and line, and the previous policies stay active.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ReloadPoliciesResponse> reloadPolicies(
        dev.nexus.v1.ReloadPoliciesRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getReloadPoliciesMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * Lists recorded decisions, newest first, one page at a time.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<dev.nexus.v1.ListDecisionsResponse> listDecisions(
        dev.nexus.v1.ListDecisionsRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListDecisionsMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_EVALUATE = 0;
  private static final int METHODID_LIST_POLICIES = 1;
  private static final int METHODID_GET_POLICY = 2;
  private static final int METHODID_RELOAD_POLICIES = 3;
  private static final int METHODID_LIST_DECISIONS = 4;

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
        case METHODID_EVALUATE:
          serviceImpl.evaluate((dev.nexus.v1.EvaluateRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.EvaluateResponse>) responseObserver);
          break;
        case METHODID_LIST_POLICIES:
          serviceImpl.listPolicies((dev.nexus.v1.ListPoliciesRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ListPoliciesResponse>) responseObserver);
          break;
        case METHODID_GET_POLICY:
          serviceImpl.getPolicy((dev.nexus.v1.GetPolicyRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.GetPolicyResponse>) responseObserver);
          break;
        case METHODID_RELOAD_POLICIES:
          serviceImpl.reloadPolicies((dev.nexus.v1.ReloadPoliciesRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ReloadPoliciesResponse>) responseObserver);
          break;
        case METHODID_LIST_DECISIONS:
          serviceImpl.listDecisions((dev.nexus.v1.ListDecisionsRequest) request,
              (io.grpc.stub.StreamObserver<dev.nexus.v1.ListDecisionsResponse>) responseObserver);
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
          getEvaluateMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.EvaluateRequest,
              dev.nexus.v1.EvaluateResponse>(
                service, METHODID_EVALUATE)))
        .addMethod(
          getListPoliciesMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ListPoliciesRequest,
              dev.nexus.v1.ListPoliciesResponse>(
                service, METHODID_LIST_POLICIES)))
        .addMethod(
          getGetPolicyMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.GetPolicyRequest,
              dev.nexus.v1.GetPolicyResponse>(
                service, METHODID_GET_POLICY)))
        .addMethod(
          getReloadPoliciesMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ReloadPoliciesRequest,
              dev.nexus.v1.ReloadPoliciesResponse>(
                service, METHODID_RELOAD_POLICIES)))
        .addMethod(
          getListDecisionsMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              dev.nexus.v1.ListDecisionsRequest,
              dev.nexus.v1.ListDecisionsResponse>(
                service, METHODID_LIST_DECISIONS)))
        .build();
  }

  private static abstract class PolicyServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    PolicyServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return dev.nexus.v1.PolicyProto.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("PolicyService");
    }
  }

  private static final class PolicyServiceFileDescriptorSupplier
      extends PolicyServiceBaseDescriptorSupplier {
    PolicyServiceFileDescriptorSupplier() {}
  }

  private static final class PolicyServiceMethodDescriptorSupplier
      extends PolicyServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    PolicyServiceMethodDescriptorSupplier(java.lang.String methodName) {
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
      synchronized (PolicyServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new PolicyServiceFileDescriptorSupplier())
              .addMethod(getEvaluateMethod())
              .addMethod(getListPoliciesMethod())
              .addMethod(getGetPolicyMethod())
              .addMethod(getReloadPoliciesMethod())
              .addMethod(getListDecisionsMethod())
              .build();
        }
      }
    }
    return result;
  }
}
