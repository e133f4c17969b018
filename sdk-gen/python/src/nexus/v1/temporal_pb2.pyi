import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from nexus.v1 import event_pb2 as _event_pb2
from nexus.v1 import options_pb2 as _options_pb2
from nexus.v1 import query_pb2 as _query_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DocumentSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_SOURCE_UNSPECIFIED: _ClassVar[DocumentSource]
    DOCUMENT_SOURCE_CHANGE_LOG: _ClassVar[DocumentSource]
    DOCUMENT_SOURCE_REPLAY: _ClassVar[DocumentSource]
DOCUMENT_SOURCE_UNSPECIFIED: DocumentSource
DOCUMENT_SOURCE_CHANGE_LOG: DocumentSource
DOCUMENT_SOURCE_REPLAY: DocumentSource

class GetAggregateStateAtRequest(_message.Message):
    __slots__ = ("aggregate_type", "aggregate_id", "revision", "time")
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    aggregate_type: str
    aggregate_id: str
    revision: int
    time: _timestamp_pb2.Timestamp
    def __init__(self, aggregate_type: _Optional[str] = ..., aggregate_id: _Optional[str] = ..., revision: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetAggregateStateAtResponse(_message.Message):
    __slots__ = ("stream_id", "state", "revision", "recorded_time", "stream_revision", "first_revision", "snapshot_revision", "events_replayed")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    RECORDED_TIME_FIELD_NUMBER: _ClassVar[int]
    STREAM_REVISION_FIELD_NUMBER: _ClassVar[int]
    FIRST_REVISION_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_REVISION_FIELD_NUMBER: _ClassVar[int]
    EVENTS_REPLAYED_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    state: _struct_pb2.Value
    revision: int
    recorded_time: _timestamp_pb2.Timestamp
    stream_revision: int
    first_revision: int
    snapshot_revision: int
    events_replayed: int
    def __init__(self, stream_id: _Optional[str] = ..., state: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., revision: _Optional[int] = ..., recorded_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stream_revision: _Optional[int] = ..., first_revision: _Optional[int] = ..., snapshot_revision: _Optional[int] = ..., events_replayed: _Optional[int] = ...) -> None: ...

class ReadStreamBetweenRequest(_message.Message):
    __slots__ = ("stream_id", "start_time", "end_time", "page_size", "page_token", "as_stored")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    AS_STORED_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    as_stored: bool
    def __init__(self, stream_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., as_stored: _Optional[bool] = ...) -> None: ...

class ReadStreamBetweenResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_event_pb2.RecordedEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[_event_pb2.RecordedEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetDocumentAtRequest(_message.Message):
    __slots__ = ("projection", "key", "position")
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    projection: str
    key: str
    position: _event_pb2.Position
    def __init__(self, projection: _Optional[str] = ..., key: _Optional[str] = ..., position: _Optional[_Union[_event_pb2.Position, _Mapping]] = ...) -> None: ...

class GetDocumentAtResponse(_message.Message):
    __slots__ = ("document", "position", "source")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    document: _query_pb2.Document
    position: _event_pb2.Position
    source: DocumentSource
    def __init__(self, document: _Optional[_Union[_query_pb2.Document, _Mapping]] = ..., position: _Optional[_Union[_event_pb2.Position, _Mapping]] = ..., source: _Optional[_Union[DocumentSource, str]] = ...) -> None: ...
