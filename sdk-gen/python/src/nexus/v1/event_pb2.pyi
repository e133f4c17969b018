import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReadDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    READ_DIRECTION_UNSPECIFIED: _ClassVar[ReadDirection]
    READ_DIRECTION_FORWARDS: _ClassVar[ReadDirection]
    READ_DIRECTION_BACKWARDS: _ClassVar[ReadDirection]
READ_DIRECTION_UNSPECIFIED: ReadDirection
READ_DIRECTION_FORWARDS: ReadDirection
READ_DIRECTION_BACKWARDS: ReadDirection

class Position(_message.Message):
    __slots__ = ("token", "global_position")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_POSITION_FIELD_NUMBER: _ClassVar[int]
    token: str
    global_position: int
    def __init__(self, token: _Optional[str] = ..., global_position: _Optional[int] = ...) -> None: ...

class EventMetadata(_message.Message):
    __slots__ = ("correlation_id", "causation_id", "user_id", "tenant_id", "custom")
    class CustomEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    CAUSATION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_FIELD_NUMBER: _ClassVar[int]
    correlation_id: str
    causation_id: str
    user_id: str
    tenant_id: str
    custom: _containers.ScalarMap[str, str]
    def __init__(self, correlation_id: _Optional[str] = ..., causation_id: _Optional[str] = ..., user_id: _Optional[str] = ..., tenant_id: _Optional[str] = ..., custom: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ProposedEvent(_message.Message):
    __slots__ = ("event_id", "event_type", "content_type", "data", "metadata", "schema_version")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    event_type: str
    content_type: str
    data: bytes
    metadata: EventMetadata
    schema_version: int
    def __init__(self, event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., content_type: _Optional[str] = ..., data: _Optional[bytes] = ..., metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., schema_version: _Optional[int] = ...) -> None: ...

class RecordedEvent(_message.Message):
    __slots__ = ("event_id", "stream_id", "stream_revision", "position", "event_type", "schema_version", "content_type", "data", "metadata", "recorded_time", "schema_id", "stored_schema_version")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_REVISION_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RECORDED_TIME_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_ID_FIELD_NUMBER: _ClassVar[int]
    STORED_SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    stream_id: str
    stream_revision: int
    position: Position
    event_type: str
    schema_version: int
    content_type: str
    data: bytes
    metadata: EventMetadata
    recorded_time: _timestamp_pb2.Timestamp
    schema_id: str
    stored_schema_version: int
    def __init__(self, event_id: _Optional[str] = ..., stream_id: _Optional[str] = ..., stream_revision: _Optional[int] = ..., position: _Optional[_Union[Position, _Mapping]] = ..., event_type: _Optional[str] = ..., schema_version: _Optional[int] = ..., content_type: _Optional[str] = ..., data: _Optional[bytes] = ..., metadata: _Optional[_Union[EventMetadata, _Mapping]] = ..., recorded_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., schema_id: _Optional[str] = ..., stored_schema_version: _Optional[int] = ...) -> None: ...

class ExpectedRevision(_message.Message):
    __slots__ = ("any", "no_stream", "stream_exists", "exact")
    ANY_FIELD_NUMBER: _ClassVar[int]
    NO_STREAM_FIELD_NUMBER: _ClassVar[int]
    STREAM_EXISTS_FIELD_NUMBER: _ClassVar[int]
    EXACT_FIELD_NUMBER: _ClassVar[int]
    any: _empty_pb2.Empty
    no_stream: _empty_pb2.Empty
    stream_exists: _empty_pb2.Empty
    exact: int
    def __init__(self, any: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., no_stream: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., stream_exists: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., exact: _Optional[int] = ...) -> None: ...

class AllFrom(_message.Message):
    __slots__ = ("start", "end", "after")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    start: _empty_pb2.Empty
    end: _empty_pb2.Empty
    after: str
    def __init__(self, start: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., end: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., after: _Optional[str] = ...) -> None: ...

class EventFilter(_message.Message):
    __slots__ = ("event_type_prefixes", "stream_prefixes")
    EVENT_TYPE_PREFIXES_FIELD_NUMBER: _ClassVar[int]
    STREAM_PREFIXES_FIELD_NUMBER: _ClassVar[int]
    event_type_prefixes: _containers.RepeatedScalarFieldContainer[str]
    stream_prefixes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, event_type_prefixes: _Optional[_Iterable[str]] = ..., stream_prefixes: _Optional[_Iterable[str]] = ...) -> None: ...

class StreamMetadata(_message.Message):
    __slots__ = ("max_count", "max_age", "truncate_before")
    MAX_COUNT_FIELD_NUMBER: _ClassVar[int]
    MAX_AGE_FIELD_NUMBER: _ClassVar[int]
    TRUNCATE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    max_count: int
    max_age: _duration_pb2.Duration
    truncate_before: int
    def __init__(self, max_count: _Optional[int] = ..., max_age: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., truncate_before: _Optional[int] = ...) -> None: ...

class CaughtUp(_message.Message):
    __slots__ = ("position",)
    POSITION_FIELD_NUMBER: _ClassVar[int]
    position: Position
    def __init__(self, position: _Optional[_Union[Position, _Mapping]] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ("position",)
    POSITION_FIELD_NUMBER: _ClassVar[int]
    position: Position
    def __init__(self, position: _Optional[_Union[Position, _Mapping]] = ...) -> None: ...
