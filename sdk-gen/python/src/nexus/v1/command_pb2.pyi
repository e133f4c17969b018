from google.protobuf import struct_pb2 as _struct_pb2
from nexus.v1 import event_pb2 as _event_pb2
from nexus.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ExecuteRequest(_message.Message):
    __slots__ = ("aggregate_type", "aggregate_id", "command_type", "payload", "expected_revision", "command_id", "correlation_id", "causation_id")
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_ID_FIELD_NUMBER: _ClassVar[int]
    COMMAND_TYPE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSATION_ID_FIELD_NUMBER: _ClassVar[int]
    aggregate_type: str
    aggregate_id: str
    command_type: str
    payload: _struct_pb2.Struct
    expected_revision: _event_pb2.ExpectedRevision
    command_id: str
    correlation_id: str
    causation_id: str
    def __init__(self, aggregate_type: _Optional[str] = ..., aggregate_id: _Optional[str] = ..., command_type: _Optional[str] = ..., payload: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., expected_revision: _Optional[_Union[_event_pb2.ExpectedRevision, _Mapping]] = ..., command_id: _Optional[str] = ..., correlation_id: _Optional[str] = ..., causation_id: _Optional[str] = ...) -> None: ...

class ExecuteResponse(_message.Message):
    __slots__ = ("stream_id", "events", "revision", "command_id", "correlation_id", "already_executed")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    ALREADY_EXECUTED_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.RecordedEvent]
    revision: int
    command_id: str
    correlation_id: str
    already_executed: bool
    def __init__(self, stream_id: _Optional[str] = ..., events: _Optional[_Iterable[_Union[_event_pb2.RecordedEvent, _Mapping]]] = ..., revision: _Optional[int] = ..., command_id: _Optional[str] = ..., correlation_id: _Optional[str] = ..., already_executed: _Optional[bool] = ...) -> None: ...

class ListAggregateTypesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AggregateTypeInfo(_message.Message):
    __slots__ = ("aggregate_type", "command_types", "event_types")
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    COMMAND_TYPES_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    aggregate_type: str
    command_types: _containers.RepeatedScalarFieldContainer[str]
    event_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, aggregate_type: _Optional[str] = ..., command_types: _Optional[_Iterable[str]] = ..., event_types: _Optional[_Iterable[str]] = ...) -> None: ...

class ListAggregateTypesResponse(_message.Message):
    __slots__ = ("aggregate_types",)
    AGGREGATE_TYPES_FIELD_NUMBER: _ClassVar[int]
    aggregate_types: _containers.RepeatedCompositeFieldContainer[AggregateTypeInfo]
    def __init__(self, aggregate_types: _Optional[_Iterable[_Union[AggregateTypeInfo, _Mapping]]] = ...) -> None: ...
