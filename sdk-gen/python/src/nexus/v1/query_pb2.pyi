import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from nexus.v1 import event_pb2 as _event_pb2
from nexus.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProjectionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROJECTION_STATE_UNSPECIFIED: _ClassVar[ProjectionState]
    PROJECTION_STATE_RUNNING: _ClassVar[ProjectionState]
    PROJECTION_STATE_STOPPED: _ClassVar[ProjectionState]
PROJECTION_STATE_UNSPECIFIED: ProjectionState
PROJECTION_STATE_RUNNING: ProjectionState
PROJECTION_STATE_STOPPED: ProjectionState

class Consistency(_message.Message):
    __slots__ = ("position", "timeout")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    position: _event_pb2.Position
    timeout: _duration_pb2.Duration
    def __init__(self, position: _Optional[_Union[_event_pb2.Position, _Mapping]] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Document(_message.Message):
    __slots__ = ("key", "body", "version", "position", "updated_time")
    KEY_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_TIME_FIELD_NUMBER: _ClassVar[int]
    key: str
    body: _struct_pb2.Struct
    version: int
    position: _event_pb2.Position
    updated_time: _timestamp_pb2.Timestamp
    def __init__(self, key: _Optional[str] = ..., body: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., version: _Optional[int] = ..., position: _Optional[_Union[_event_pb2.Position, _Mapping]] = ..., updated_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetDocumentRequest(_message.Message):
    __slots__ = ("projection", "key", "consistency")
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    projection: str
    key: str
    consistency: Consistency
    def __init__(self, projection: _Optional[str] = ..., key: _Optional[str] = ..., consistency: _Optional[_Union[Consistency, _Mapping]] = ...) -> None: ...

class GetDocumentResponse(_message.Message):
    __slots__ = ("document",)
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    document: Document
    def __init__(self, document: _Optional[_Union[Document, _Mapping]] = ...) -> None: ...

class FieldFilter(_message.Message):
    __slots__ = ("field", "equals", "range")
    class Range(_message.Message):
        __slots__ = ("gt", "gte", "lt", "lte")
        GT_FIELD_NUMBER: _ClassVar[int]
        GTE_FIELD_NUMBER: _ClassVar[int]
        LT_FIELD_NUMBER: _ClassVar[int]
        LTE_FIELD_NUMBER: _ClassVar[int]
        gt: _struct_pb2.Value
        gte: _struct_pb2.Value
        lt: _struct_pb2.Value
        lte: _struct_pb2.Value
        def __init__(self, gt: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., gte: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., lt: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., lte: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    FIELD_FIELD_NUMBER: _ClassVar[int]
    EQUALS_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    IN_FIELD_NUMBER: _ClassVar[int]
    field: str
    equals: _struct_pb2.Value
    range: FieldFilter.Range
    def __init__(self, field: _Optional[str] = ..., equals: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., range: _Optional[_Union[FieldFilter.Range, _Mapping]] = ..., **kwargs) -> None: ...

class SortField(_message.Message):
    __slots__ = ("field", "descending")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCENDING_FIELD_NUMBER: _ClassVar[int]
    field: str
    descending: bool
    def __init__(self, field: _Optional[str] = ..., descending: _Optional[bool] = ...) -> None: ...

class SearchRequest(_message.Message):
    __slots__ = ("projection", "text", "filters", "sort", "page_size", "page_token", "consistency")
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    SORT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    projection: str
    text: str
    filters: _containers.RepeatedCompositeFieldContainer[FieldFilter]
    sort: _containers.RepeatedCompositeFieldContainer[SortField]
    page_size: int
    page_token: str
    consistency: Consistency
    def __init__(self, projection: _Optional[str] = ..., text: _Optional[str] = ..., filters: _Optional[_Iterable[_Union[FieldFilter, _Mapping]]] = ..., sort: _Optional[_Iterable[_Union[SortField, _Mapping]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., consistency: _Optional[_Union[Consistency, _Mapping]] = ...) -> None: ...

class SearchResponse(_message.Message):
    __slots__ = ("documents", "next_page_token", "total")
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedCompositeFieldContainer[Document]
    next_page_token: str
    total: int
    def __init__(self, documents: _Optional[_Iterable[_Union[Document, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class ProjectionProgress(_message.Message):
    __slots__ = ("generation", "position", "events_processed", "lag_events", "lag_millis", "parked_events")
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    EVENTS_PROCESSED_FIELD_NUMBER: _ClassVar[int]
    LAG_EVENTS_FIELD_NUMBER: _ClassVar[int]
    LAG_MILLIS_FIELD_NUMBER: _ClassVar[int]
    PARKED_EVENTS_FIELD_NUMBER: _ClassVar[int]
    generation: int
    position: _event_pb2.Position
    events_processed: int
    lag_events: int
    lag_millis: int
    parked_events: int
    def __init__(self, generation: _Optional[int] = ..., position: _Optional[_Union[_event_pb2.Position, _Mapping]] = ..., events_processed: _Optional[int] = ..., lag_events: _Optional[int] = ..., lag_millis: _Optional[int] = ..., parked_events: _Optional[int] = ...) -> None: ...

class ProjectionStatus(_message.Message):
    __slots__ = ("name", "state", "serving", "rebuilding", "last_error", "source", "event_types")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SERVING_FIELD_NUMBER: _ClassVar[int]
    REBUILDING_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    name: str
    state: ProjectionState
    serving: ProjectionProgress
    rebuilding: ProjectionProgress
    last_error: str
    source: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., state: _Optional[_Union[ProjectionState, str]] = ..., serving: _Optional[_Union[ProjectionProgress, _Mapping]] = ..., rebuilding: _Optional[_Union[ProjectionProgress, _Mapping]] = ..., last_error: _Optional[str] = ..., source: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ...) -> None: ...

class ListProjectionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListProjectionsResponse(_message.Message):
    __slots__ = ("projections",)
    PROJECTIONS_FIELD_NUMBER: _ClassVar[int]
    projections: _containers.RepeatedCompositeFieldContainer[ProjectionStatus]
    def __init__(self, projections: _Optional[_Iterable[_Union[ProjectionStatus, _Mapping]]] = ...) -> None: ...

class GetProjectionStatusRequest(_message.Message):
    __slots__ = ("projection",)
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    projection: str
    def __init__(self, projection: _Optional[str] = ...) -> None: ...

class GetProjectionStatusResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: ProjectionStatus
    def __init__(self, status: _Optional[_Union[ProjectionStatus, _Mapping]] = ...) -> None: ...

class ProjectionDefinition(_message.Message):
    __slots__ = ("name", "event_types", "stream_prefixes", "key", "fold", "text_fields", "on_error")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    STREAM_PREFIXES_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    FOLD_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ON_ERROR_FIELD_NUMBER: _ClassVar[int]
    name: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    stream_prefixes: _containers.RepeatedScalarFieldContainer[str]
    key: str
    fold: str
    text_fields: _containers.RepeatedScalarFieldContainer[str]
    on_error: str
    def __init__(self, name: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ..., stream_prefixes: _Optional[_Iterable[str]] = ..., key: _Optional[str] = ..., fold: _Optional[str] = ..., text_fields: _Optional[_Iterable[str]] = ..., on_error: _Optional[str] = ...) -> None: ...

class RegisterProjectionRequest(_message.Message):
    __slots__ = ("definition",)
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    definition: ProjectionDefinition
    def __init__(self, definition: _Optional[_Union[ProjectionDefinition, _Mapping]] = ...) -> None: ...

class RegisterProjectionResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: ProjectionStatus
    def __init__(self, status: _Optional[_Union[ProjectionStatus, _Mapping]] = ...) -> None: ...

class RebuildProjectionRequest(_message.Message):
    __slots__ = ("projection",)
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    projection: str
    def __init__(self, projection: _Optional[str] = ...) -> None: ...

class RebuildProjectionResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: ProjectionStatus
    def __init__(self, status: _Optional[_Union[ProjectionStatus, _Mapping]] = ...) -> None: ...

class ListParkedEventsRequest(_message.Message):
    __slots__ = ("projection", "limit")
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    projection: str
    limit: int
    def __init__(self, projection: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ParkedEvent(_message.Message):
    __slots__ = ("event_id", "stream_id", "stream_revision", "event_type", "position", "error", "parked_time")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_REVISION_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    PARKED_TIME_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    stream_id: str
    stream_revision: int
    event_type: str
    position: _event_pb2.Position
    error: str
    parked_time: _timestamp_pb2.Timestamp
    def __init__(self, event_id: _Optional[str] = ..., stream_id: _Optional[str] = ..., stream_revision: _Optional[int] = ..., event_type: _Optional[str] = ..., position: _Optional[_Union[_event_pb2.Position, _Mapping]] = ..., error: _Optional[str] = ..., parked_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListParkedEventsResponse(_message.Message):
    __slots__ = ("parked_events",)
    PARKED_EVENTS_FIELD_NUMBER: _ClassVar[int]
    parked_events: _containers.RepeatedCompositeFieldContainer[ParkedEvent]
    def __init__(self, parked_events: _Optional[_Iterable[_Union[ParkedEvent, _Mapping]]] = ...) -> None: ...

class WatchDocumentsRequest(_message.Message):
    __slots__ = ("projection", "keys", "resume_after")
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    RESUME_AFTER_FIELD_NUMBER: _ClassVar[int]
    projection: str
    keys: _containers.RepeatedScalarFieldContainer[str]
    resume_after: str
    def __init__(self, projection: _Optional[str] = ..., keys: _Optional[_Iterable[str]] = ..., resume_after: _Optional[str] = ...) -> None: ...

class WatchQueryRequest(_message.Message):
    __slots__ = ("projection", "text", "filters", "resume_after")
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    RESUME_AFTER_FIELD_NUMBER: _ClassVar[int]
    projection: str
    text: str
    filters: _containers.RepeatedCompositeFieldContainer[FieldFilter]
    resume_after: str
    def __init__(self, projection: _Optional[str] = ..., text: _Optional[str] = ..., filters: _Optional[_Iterable[_Union[FieldFilter, _Mapping]]] = ..., resume_after: _Optional[str] = ...) -> None: ...

class WatchEvent(_message.Message):
    __slots__ = ("current", "live", "change", "reset", "watch_position")
    class Current(_message.Message):
        __slots__ = ("document",)
        DOCUMENT_FIELD_NUMBER: _ClassVar[int]
        document: Document
        def __init__(self, document: _Optional[_Union[Document, _Mapping]] = ...) -> None: ...
    class Live(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class Change(_message.Message):
        __slots__ = ("kind", "key", "document", "position")
        class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
            __slots__ = ()
            KIND_UNSPECIFIED: _ClassVar[WatchEvent.Change.Kind]
            KIND_UPSERT: _ClassVar[WatchEvent.Change.Kind]
            KIND_DELETE: _ClassVar[WatchEvent.Change.Kind]
        KIND_UNSPECIFIED: WatchEvent.Change.Kind
        KIND_UPSERT: WatchEvent.Change.Kind
        KIND_DELETE: WatchEvent.Change.Kind
        KIND_FIELD_NUMBER: _ClassVar[int]
        KEY_FIELD_NUMBER: _ClassVar[int]
        DOCUMENT_FIELD_NUMBER: _ClassVar[int]
        POSITION_FIELD_NUMBER: _ClassVar[int]
        kind: WatchEvent.Change.Kind
        key: str
        document: Document
        position: _event_pb2.Position
        def __init__(self, kind: _Optional[_Union[WatchEvent.Change.Kind, str]] = ..., key: _Optional[str] = ..., document: _Optional[_Union[Document, _Mapping]] = ..., position: _Optional[_Union[_event_pb2.Position, _Mapping]] = ...) -> None: ...
    class Reset(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    WATCH_POSITION_FIELD_NUMBER: _ClassVar[int]
    current: WatchEvent.Current
    live: WatchEvent.Live
    change: WatchEvent.Change
    reset: WatchEvent.Reset
    watch_position: str
    def __init__(self, current: _Optional[_Union[WatchEvent.Current, _Mapping]] = ..., live: _Optional[_Union[WatchEvent.Live, _Mapping]] = ..., change: _Optional[_Union[WatchEvent.Change, _Mapping]] = ..., reset: _Optional[_Union[WatchEvent.Reset, _Mapping]] = ..., watch_position: _Optional[str] = ...) -> None: ...

class WatchDocumentsResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: WatchEvent
    def __init__(self, event: _Optional[_Union[WatchEvent, _Mapping]] = ...) -> None: ...

class WatchQueryResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: WatchEvent
    def __init__(self, event: _Optional[_Union[WatchEvent, _Mapping]] = ...) -> None: ...
