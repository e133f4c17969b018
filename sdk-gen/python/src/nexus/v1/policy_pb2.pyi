import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from nexus.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Decision(_message.Message):
    __slots__ = ("policy", "allow", "reasons")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    ALLOW_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    policy: str
    allow: bool
    reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, policy: _Optional[str] = ..., allow: _Optional[bool] = ..., reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class EvaluateRequest(_message.Message):
    __slots__ = ("policy", "input")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    policy: str
    input: _struct_pb2.Struct
    def __init__(self, policy: _Optional[str] = ..., input: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class EvaluateResponse(_message.Message):
    __slots__ = ("decision", "generation")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    decision: Decision
    generation: int
    def __init__(self, decision: _Optional[_Union[Decision, _Mapping]] = ..., generation: _Optional[int] = ...) -> None: ...

class PolicyFile(_message.Message):
    __slots__ = ("path", "package", "sha256")
    PATH_FIELD_NUMBER: _ClassVar[int]
    PACKAGE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    path: str
    package: str
    sha256: str
    def __init__(self, path: _Optional[str] = ..., package: _Optional[str] = ..., sha256: _Optional[str] = ...) -> None: ...

class ListPoliciesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPoliciesResponse(_message.Message):
    __slots__ = ("policies", "generation")
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    policies: _containers.RepeatedCompositeFieldContainer[PolicyFile]
    generation: int
    def __init__(self, policies: _Optional[_Iterable[_Union[PolicyFile, _Mapping]]] = ..., generation: _Optional[int] = ...) -> None: ...

class GetPolicyRequest(_message.Message):
    __slots__ = ("path",)
    PATH_FIELD_NUMBER: _ClassVar[int]
    path: str
    def __init__(self, path: _Optional[str] = ...) -> None: ...

class GetPolicyResponse(_message.Message):
    __slots__ = ("policy", "source")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    policy: PolicyFile
    source: str
    def __init__(self, policy: _Optional[_Union[PolicyFile, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class ReloadPoliciesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReloadPoliciesResponse(_message.Message):
    __slots__ = ("generation", "policies")
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    generation: int
    policies: _containers.RepeatedCompositeFieldContainer[PolicyFile]
    def __init__(self, generation: _Optional[int] = ..., policies: _Optional[_Iterable[_Union[PolicyFile, _Mapping]]] = ...) -> None: ...

class DecisionPrincipal(_message.Message):
    __slots__ = ("subject", "tenant", "roles")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    subject: str
    tenant: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, subject: _Optional[str] = ..., tenant: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ...) -> None: ...

class DecisionResource(_message.Message):
    __slots__ = ("stream", "stream_prefix", "tenant", "aggregate_type", "command_type", "subject", "projection", "consumer")
    STREAM_FIELD_NUMBER: _ClassVar[int]
    STREAM_PREFIX_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    COMMAND_TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    stream: str
    stream_prefix: str
    tenant: str
    aggregate_type: str
    command_type: str
    subject: str
    projection: str
    consumer: str
    def __init__(self, stream: _Optional[str] = ..., stream_prefix: _Optional[str] = ..., tenant: _Optional[str] = ..., aggregate_type: _Optional[str] = ..., command_type: _Optional[str] = ..., subject: _Optional[str] = ..., projection: _Optional[str] = ..., consumer: _Optional[str] = ...) -> None: ...

class DecisionRecord(_message.Message):
    __slots__ = ("decision_id", "time", "principal", "service", "method", "resource", "allow", "decisions", "correlation_id", "audit_revision")
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    ALLOW_FIELD_NUMBER: _ClassVar[int]
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    AUDIT_REVISION_FIELD_NUMBER: _ClassVar[int]
    decision_id: str
    time: _timestamp_pb2.Timestamp
    principal: DecisionPrincipal
    service: str
    method: str
    resource: DecisionResource
    allow: bool
    decisions: _containers.RepeatedCompositeFieldContainer[Decision]
    correlation_id: str
    audit_revision: int
    def __init__(self, decision_id: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., principal: _Optional[_Union[DecisionPrincipal, _Mapping]] = ..., service: _Optional[str] = ..., method: _Optional[str] = ..., resource: _Optional[_Union[DecisionResource, _Mapping]] = ..., allow: _Optional[bool] = ..., decisions: _Optional[_Iterable[_Union[Decision, _Mapping]]] = ..., correlation_id: _Optional[str] = ..., audit_revision: _Optional[int] = ...) -> None: ...

class DecisionFilter(_message.Message):
    __slots__ = ("subject", "tenant", "allow", "service", "method", "correlation_id", "since")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ALLOW_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    subject: str
    tenant: str
    allow: bool
    service: str
    method: str
    correlation_id: str
    since: _timestamp_pb2.Timestamp
    def __init__(self, subject: _Optional[str] = ..., tenant: _Optional[str] = ..., allow: _Optional[bool] = ..., service: _Optional[str] = ..., method: _Optional[str] = ..., correlation_id: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDecisionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: DecisionFilter
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[_Union[DecisionFilter, _Mapping]] = ...) -> None: ...

class ListDecisionsResponse(_message.Message):
    __slots__ = ("decisions", "next_page_token")
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    decisions: _containers.RepeatedCompositeFieldContainer[DecisionRecord]
    next_page_token: str
    def __init__(self, decisions: _Optional[_Iterable[_Union[DecisionRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
