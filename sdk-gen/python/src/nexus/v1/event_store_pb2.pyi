import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from nexus.v1 import event_pb2 as _event_pb2
from nexus.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StreamState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STREAM_STATE_UNSPECIFIED: _ClassVar[StreamState]
    STREAM_STATE_ACTIVE: _ClassVar[StreamState]
    STREAM_STATE_DELETED: _ClassVar[StreamState]
    STREAM_STATE_TOMBSTONED: _ClassVar[StreamState]
STREAM_STATE_UNSPECIFIED: StreamState
STREAM_STATE_ACTIVE: StreamState
STREAM_STATE_DELETED: StreamState
STREAM_STATE_TOMBSTONED: StreamState

class AppendToStreamRequest(_message.Message):
    __slots__ = ("stream_id", "expected_revision", "events")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    expected_revision: _event_pb2.ExpectedRevision
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.ProposedEvent]
    def __init__(self, stream_id: _Optional[str] = ..., expected_revision: _Optional[_Union[_event_pb2.ExpectedRevision, _Mapping]] = ..., events: _Optional[_Iterable[_Union[_event_pb2.ProposedEvent, _Mapping]]] = ...) -> None: ...

class AppendToStreamResponse(_message.Message):
    __slots__ = ("first_revision", "current_revision", "first_position", "last_position", "already_appended")
    FIRST_REVISION_FIELD_NUMBER: _ClassVar[int]
    CURRENT_REVISION_FIELD_NUMBER: _ClassVar[int]
    FIRST_POSITION_FIELD_NUMBER: _ClassVar[int]
    LAST_POSITION_FIELD_NUMBER: _ClassVar[int]
    ALREADY_APPENDED_FIELD_NUMBER: _ClassVar[int]
    first_revision: int
    current_revision: int
    first_position: _event_pb2.Position
    last_position: _event_pb2.Position
    already_appended: bool
    def __init__(self, first_revision: _Optional[int] = ..., current_revision: _Optional[int] = ..., first_position: _Optional[_Union[_event_pb2.Position, _Mapping]] = ..., last_position: _Optional[_Union[_event_pb2.Position, _Mapping]] = ..., already_appended: _Optional[bool] = ...) -> None: ...

class ReadStreamRequest(_message.Message):
    __slots__ = ("stream_id", "direction", "from_revision", "page_size", "as_stored")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    FROM_REVISION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    AS_STORED_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    direction: _event_pb2.ReadDirection
    from_revision: int
    page_size: int
    as_stored: bool
    def __init__(self, stream_id: _Optional[str] = ..., direction: _Optional[_Union[_event_pb2.ReadDirection, str]] = ..., from_revision: _Optional[int] = ..., page_size: _Optional[int] = ..., as_stored: _Optional[bool] = ...) -> None: ...

class ReadStreamResponse(_message.Message):
    __slots__ = ("events", "next_revision", "current_revision")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_REVISION_FIELD_NUMBER: _ClassVar[int]
    CURRENT_REVISION_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.RecordedEvent]
    next_revision: int
    current_revision: int
    def __init__(self, events: _Optional[_Iterable[_Union[_event_pb2.RecordedEvent, _Mapping]]] = ..., next_revision: _Optional[int] = ..., current_revision: _Optional[int] = ...) -> None: ...

class ReadAllRequest(_message.Message):
    __slots__ = ("direction", "page_size", "filter", "as_stored")
    FROM_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    AS_STORED_FIELD_NUMBER: _ClassVar[int]
    direction: _event_pb2.ReadDirection
    page_size: int
    filter: _event_pb2.EventFilter
    as_stored: bool
    def __init__(self, direction: _Optional[_Union[_event_pb2.ReadDirection, str]] = ..., page_size: _Optional[int] = ..., filter: _Optional[_Union[_event_pb2.EventFilter, _Mapping]] = ..., as_stored: _Optional[bool] = ..., **kwargs) -> None: ...

class ReadAllResponse(_message.Message):
    __slots__ = ("events", "next_position", "end_of_log")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_POSITION_FIELD_NUMBER: _ClassVar[int]
    END_OF_LOG_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.RecordedEvent]
    next_position: _event_pb2.Position
    end_of_log: bool
    def __init__(self, events: _Optional[_Iterable[_Union[_event_pb2.RecordedEvent, _Mapping]]] = ..., next_position: _Optional[_Union[_event_pb2.Position, _Mapping]] = ..., end_of_log: _Optional[bool] = ...) -> None: ...

class SubscribeAllRequest(_message.Message):
    __slots__ = ("filter", "heartbeat_interval", "as_stored")
    FROM_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    AS_STORED_FIELD_NUMBER: _ClassVar[int]
    filter: _event_pb2.EventFilter
    heartbeat_interval: _duration_pb2.Duration
    as_stored: bool
    def __init__(self, filter: _Optional[_Union[_event_pb2.EventFilter, _Mapping]] = ..., heartbeat_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., as_stored: _Optional[bool] = ..., **kwargs) -> None: ...

class SubscribeAllResponse(_message.Message):
    __slots__ = ("event", "caught_up", "checkpoint")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    CAUGHT_UP_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    event: _event_pb2.RecordedEvent
    caught_up: _event_pb2.CaughtUp
    checkpoint: _event_pb2.Checkpoint
    def __init__(self, event: _Optional[_Union[_event_pb2.RecordedEvent, _Mapping]] = ..., caught_up: _Optional[_Union[_event_pb2.CaughtUp, _Mapping]] = ..., checkpoint: _Optional[_Union[_event_pb2.Checkpoint, _Mapping]] = ...) -> None: ...

class StreamFrom(_message.Message):
    __slots__ = ("start", "end", "after_revision")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    AFTER_REVISION_FIELD_NUMBER: _ClassVar[int]
    start: _empty_pb2.Empty
    end: _empty_pb2.Empty
    after_revision: int
    def __init__(self, start: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., end: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ..., after_revision: _Optional[int] = ...) -> None: ...

class SubscribeStreamRequest(_message.Message):
    __slots__ = ("stream_id", "heartbeat_interval", "as_stored")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    AS_STORED_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    heartbeat_interval: _duration_pb2.Duration
    as_stored: bool
    def __init__(self, stream_id: _Optional[str] = ..., heartbeat_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., as_stored: _Optional[bool] = ..., **kwargs) -> None: ...

class SubscribeStreamResponse(_message.Message):
    __slots__ = ("event", "caught_up", "heartbeat")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    CAUGHT_UP_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    event: _event_pb2.RecordedEvent
    caught_up: _event_pb2.CaughtUp
    heartbeat: _empty_pb2.Empty
    def __init__(self, event: _Optional[_Union[_event_pb2.RecordedEvent, _Mapping]] = ..., caught_up: _Optional[_Union[_event_pb2.CaughtUp, _Mapping]] = ..., heartbeat: _Optional[_Union[_empty_pb2.Empty, _Mapping]] = ...) -> None: ...

class GetStreamMetadataRequest(_message.Message):
    __slots__ = ("stream_id",)
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    def __init__(self, stream_id: _Optional[str] = ...) -> None: ...

class GetStreamMetadataResponse(_message.Message):
    __slots__ = ("stream_id", "metadata", "state", "last_revision")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LAST_REVISION_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    metadata: _event_pb2.StreamMetadata
    state: StreamState
    last_revision: int
    def __init__(self, stream_id: _Optional[str] = ..., metadata: _Optional[_Union[_event_pb2.StreamMetadata, _Mapping]] = ..., state: _Optional[_Union[StreamState, str]] = ..., last_revision: _Optional[int] = ...) -> None: ...

class SetStreamMetadataRequest(_message.Message):
    __slots__ = ("stream_id", "metadata")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    metadata: _event_pb2.StreamMetadata
    def __init__(self, stream_id: _Optional[str] = ..., metadata: _Optional[_Union[_event_pb2.StreamMetadata, _Mapping]] = ...) -> None: ...

class SetStreamMetadataResponse(_message.Message):
    __slots__ = ("metadata",)
    METADATA_FIELD_NUMBER: _ClassVar[int]
    metadata: _event_pb2.StreamMetadata
    def __init__(self, metadata: _Optional[_Union[_event_pb2.StreamMetadata, _Mapping]] = ...) -> None: ...

class DeleteStreamRequest(_message.Message):
    __slots__ = ("stream_id", "expected_revision", "tombstone")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    TOMBSTONE_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    expected_revision: _event_pb2.ExpectedRevision
    tombstone: bool
    def __init__(self, stream_id: _Optional[str] = ..., expected_revision: _Optional[_Union[_event_pb2.ExpectedRevision, _Mapping]] = ..., tombstone: _Optional[bool] = ...) -> None: ...

class DeleteStreamResponse(_message.Message):
    __slots__ = ("last_revision",)
    LAST_REVISION_FIELD_NUMBER: _ClassVar[int]
    last_revision: int
    def __init__(self, last_revision: _Optional[int] = ...) -> None: ...
