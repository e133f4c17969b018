import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from nexus.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SnapshotPolicySource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SNAPSHOT_POLICY_SOURCE_UNSPECIFIED: _ClassVar[SnapshotPolicySource]
    SNAPSHOT_POLICY_SOURCE_DEFAULT: _ClassVar[SnapshotPolicySource]
    SNAPSHOT_POLICY_SOURCE_CONFIG: _ClassVar[SnapshotPolicySource]
    SNAPSHOT_POLICY_SOURCE_API: _ClassVar[SnapshotPolicySource]
SNAPSHOT_POLICY_SOURCE_UNSPECIFIED: SnapshotPolicySource
SNAPSHOT_POLICY_SOURCE_DEFAULT: SnapshotPolicySource
SNAPSHOT_POLICY_SOURCE_CONFIG: SnapshotPolicySource
SNAPSHOT_POLICY_SOURCE_API: SnapshotPolicySource

class Snapshot(_message.Message):
    __slots__ = ("stream_id", "aggregate_type", "revision", "first_revision", "state_schema_version", "handler_version", "size_bytes", "created_at", "current", "state")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    FIRST_REVISION_FIELD_NUMBER: _ClassVar[int]
    STATE_SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    HANDLER_VERSION_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    aggregate_type: str
    revision: int
    first_revision: int
    state_schema_version: int
    handler_version: int
    size_bytes: int
    created_at: _timestamp_pb2.Timestamp
    current: bool
    state: _struct_pb2.Value
    def __init__(self, stream_id: _Optional[str] = ..., aggregate_type: _Optional[str] = ..., revision: _Optional[int] = ..., first_revision: _Optional[int] = ..., state_schema_version: _Optional[int] = ..., handler_version: _Optional[int] = ..., size_bytes: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., current: _Optional[bool] = ..., state: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class GetSnapshotRequest(_message.Message):
    __slots__ = ("aggregate_type", "aggregate_id", "revision")
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    aggregate_type: str
    aggregate_id: str
    revision: int
    def __init__(self, aggregate_type: _Optional[str] = ..., aggregate_id: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class GetSnapshotResponse(_message.Message):
    __slots__ = ("snapshot",)
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    snapshot: Snapshot
    def __init__(self, snapshot: _Optional[_Union[Snapshot, _Mapping]] = ...) -> None: ...

class ListSnapshotsRequest(_message.Message):
    __slots__ = ("aggregate_type", "aggregate_id", "page_size", "page_token")
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    aggregate_type: str
    aggregate_id: str
    page_size: int
    page_token: str
    def __init__(self, aggregate_type: _Optional[str] = ..., aggregate_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSnapshotsResponse(_message.Message):
    __slots__ = ("snapshots", "next_page_token")
    SNAPSHOTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    snapshots: _containers.RepeatedCompositeFieldContainer[Snapshot]
    next_page_token: str
    def __init__(self, snapshots: _Optional[_Iterable[_Union[Snapshot, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateSnapshotRequest(_message.Message):
    __slots__ = ("aggregate_type", "aggregate_id")
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_ID_FIELD_NUMBER: _ClassVar[int]
    aggregate_type: str
    aggregate_id: str
    def __init__(self, aggregate_type: _Optional[str] = ..., aggregate_id: _Optional[str] = ...) -> None: ...

class CreateSnapshotResponse(_message.Message):
    __slots__ = ("snapshot",)
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    snapshot: Snapshot
    def __init__(self, snapshot: _Optional[_Union[Snapshot, _Mapping]] = ...) -> None: ...

class DeleteSnapshotsRequest(_message.Message):
    __slots__ = ("aggregate_type", "aggregate_id", "max_revision")
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_REVISION_FIELD_NUMBER: _ClassVar[int]
    aggregate_type: str
    aggregate_id: str
    max_revision: int
    def __init__(self, aggregate_type: _Optional[str] = ..., aggregate_id: _Optional[str] = ..., max_revision: _Optional[int] = ...) -> None: ...

class DeleteSnapshotsResponse(_message.Message):
    __slots__ = ("deleted",)
    DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    def __init__(self, deleted: _Optional[int] = ...) -> None: ...

class SnapshotPolicy(_message.Message):
    __slots__ = ("every_events", "max_state_bytes", "max_age", "keep_last", "ttl")
    EVERY_EVENTS_FIELD_NUMBER: _ClassVar[int]
    MAX_STATE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_AGE_FIELD_NUMBER: _ClassVar[int]
    KEEP_LAST_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    every_events: int
    max_state_bytes: int
    max_age: _duration_pb2.Duration
    keep_last: int
    ttl: _duration_pb2.Duration
    def __init__(self, every_events: _Optional[int] = ..., max_state_bytes: _Optional[int] = ..., max_age: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., keep_last: _Optional[int] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class GetSnapshotPolicyRequest(_message.Message):
    __slots__ = ("aggregate_type",)
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    aggregate_type: str
    def __init__(self, aggregate_type: _Optional[str] = ...) -> None: ...

class GetSnapshotPolicyResponse(_message.Message):
    __slots__ = ("policy", "source")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    policy: SnapshotPolicy
    source: SnapshotPolicySource
    def __init__(self, policy: _Optional[_Union[SnapshotPolicy, _Mapping]] = ..., source: _Optional[_Union[SnapshotPolicySource, str]] = ...) -> None: ...

class SetSnapshotPolicyRequest(_message.Message):
    __slots__ = ("aggregate_type", "policy")
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    aggregate_type: str
    policy: SnapshotPolicy
    def __init__(self, aggregate_type: _Optional[str] = ..., policy: _Optional[_Union[SnapshotPolicy, _Mapping]] = ...) -> None: ...

class SetSnapshotPolicyResponse(_message.Message):
    __slots__ = ("policy",)
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: SnapshotPolicy
    def __init__(self, policy: _Optional[_Union[SnapshotPolicy, _Mapping]] = ...) -> None: ...

class GetSnapshotStatsRequest(_message.Message):
    __slots__ = ("aggregate_type",)
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    aggregate_type: str
    def __init__(self, aggregate_type: _Optional[str] = ...) -> None: ...

class SnapshotStats(_message.Message):
    __slots__ = ("aggregate_type", "snapshots_created", "snapshot_failures", "snapshots_skipped", "creation_time_mean", "creation_time_max", "loads", "loads_from_snapshot", "events_replayed_mean", "events_replayed_max")
    AGGREGATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOTS_CREATED_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FAILURES_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOTS_SKIPPED_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_MEAN_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_MAX_FIELD_NUMBER: _ClassVar[int]
    LOADS_FIELD_NUMBER: _ClassVar[int]
    LOADS_FROM_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    EVENTS_REPLAYED_MEAN_FIELD_NUMBER: _ClassVar[int]
    EVENTS_REPLAYED_MAX_FIELD_NUMBER: _ClassVar[int]
    aggregate_type: str
    snapshots_created: int
    snapshot_failures: int
    snapshots_skipped: int
    creation_time_mean: _duration_pb2.Duration
    creation_time_max: _duration_pb2.Duration
    loads: int
    loads_from_snapshot: int
    events_replayed_mean: float
    events_replayed_max: int
    def __init__(self, aggregate_type: _Optional[str] = ..., snapshots_created: _Optional[int] = ..., snapshot_failures: _Optional[int] = ..., snapshots_skipped: _Optional[int] = ..., creation_time_mean: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., creation_time_max: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., loads: _Optional[int] = ..., loads_from_snapshot: _Optional[int] = ..., events_replayed_mean: _Optional[float] = ..., events_replayed_max: _Optional[int] = ...) -> None: ...

class GetSnapshotStatsResponse(_message.Message):
    __slots__ = ("stats",)
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: _containers.RepeatedCompositeFieldContainer[SnapshotStats]
    def __init__(self, stats: _Optional[_Iterable[_Union[SnapshotStats, _Mapping]]] = ...) -> None: ...
