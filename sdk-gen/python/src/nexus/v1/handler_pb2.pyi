import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from nexus.v1 import event_pb2 as _event_pb2
from nexus.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ServeRequest(_message.Message):
    __slots__ = ("register", "result", "heartbeat")
    REGISTER_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    register: HandlerRegistration
    result: DecideResult
    heartbeat: Heartbeat
    def __init__(self, register: _Optional[_Union[HandlerRegistration, _Mapping]] = ..., result: _Optional[_Union[DecideResult, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ...) -> None: ...

class HandlerRegistration(_message.Message):
    __slots__ = ("aggregate_type", "command_types", "event_types", "instance_name", "max_in_flight")
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    COMMAND_TYPES_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_NAME_FIELD_NUMBER: _ClassVar[int]
    MAX_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    aggregate_type: str
    command_types: _containers.RepeatedScalarFieldContainer[str]
    event_types: _containers.RepeatedScalarFieldContainer[str]
    instance_name: str
    max_in_flight: int
    def __init__(self, aggregate_type: _Optional[str] = ..., command_types: _Optional[_Iterable[str]] = ..., event_types: _Optional[_Iterable[str]] = ..., instance_name: _Optional[str] = ..., max_in_flight: _Optional[int] = ...) -> None: ...

class ServeResponse(_message.Message):
    __slots__ = ("registered", "decide", "heartbeat")
    REGISTERED_FIELD_NUMBER: _ClassVar[int]
    DECIDE_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    registered: Registered
    decide: DecideRequest
    heartbeat: Heartbeat
    def __init__(self, registered: _Optional[_Union[Registered, _Mapping]] = ..., decide: _Optional[_Union[DecideRequest, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ...) -> None: ...

class Registered(_message.Message):
    __slots__ = ("instance_id", "heartbeat_interval_millis")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_MILLIS_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    heartbeat_interval_millis: int
    def __init__(self, instance_id: _Optional[str] = ..., heartbeat_interval_millis: _Optional[int] = ...) -> None: ...

class DecideRequest(_message.Message):
    __slots__ = ("request_id", "aggregate_type", "aggregate_id", "stream_id", "command_type", "payload", "events", "command_id", "correlation_id", "deadline")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    COMMAND_TYPE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    COMMAND_ID_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    aggregate_type: str
    aggregate_id: str
    stream_id: str
    command_type: str
    payload: _struct_pb2.Struct
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.RecordedEvent]
    command_id: str
    correlation_id: str
    deadline: _timestamp_pb2.Timestamp
    def __init__(self, request_id: _Optional[str] = ..., aggregate_type: _Optional[str] = ..., aggregate_id: _Optional[str] = ..., stream_id: _Optional[str] = ..., command_type: _Optional[str] = ..., payload: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., events: _Optional[_Iterable[_Union[_event_pb2.RecordedEvent, _Mapping]]] = ..., command_id: _Optional[str] = ..., correlation_id: _Optional[str] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DecideResult(_message.Message):
    __slots__ = ("request_id", "events", "rejection")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    REJECTION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    events: DecidedEvents
    rejection: Rejection
    def __init__(self, request_id: _Optional[str] = ..., events: _Optional[_Union[DecidedEvents, _Mapping]] = ..., rejection: _Optional[_Union[Rejection, _Mapping]] = ...) -> None: ...

class DecidedEvents(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[DecidedEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[DecidedEvent, _Mapping]]] = ...) -> None: ...

class DecidedEvent(_message.Message):
    __slots__ = ("event_type", "data")
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    event_type: str
    data: _struct_pb2.Struct
    def __init__(self, event_type: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class Rejection(_message.Message):
    __slots__ = ("reason", "message", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    reason: str
    message: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, reason: _Optional[str] = ..., message: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
