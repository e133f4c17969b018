import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from nexus.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DataFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATA_FORMAT_UNSPECIFIED: _ClassVar[DataFormat]
    DATA_FORMAT_JSON: _ClassVar[DataFormat]
    DATA_FORMAT_AVRO: _ClassVar[DataFormat]
    DATA_FORMAT_PROTOBUF: _ClassVar[DataFormat]

class Compatibility(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPATIBILITY_UNSPECIFIED: _ClassVar[Compatibility]
    COMPATIBILITY_NONE: _ClassVar[Compatibility]
    COMPATIBILITY_DISABLED: _ClassVar[Compatibility]
    COMPATIBILITY_BACKWARD: _ClassVar[Compatibility]
    COMPATIBILITY_BACKWARD_ALL: _ClassVar[Compatibility]
    COMPATIBILITY_FORWARD: _ClassVar[Compatibility]
    COMPATIBILITY_FORWARD_ALL: _ClassVar[Compatibility]
    COMPATIBILITY_FULL: _ClassVar[Compatibility]
    COMPATIBILITY_FULL_ALL: _ClassVar[Compatibility]

class Route(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROUTE_UNSPECIFIED: _ClassVar[Route]
    ROUTE_CORE: _ClassVar[Route]
    ROUTE_SECONDARY: _ClassVar[Route]

class VersionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERSION_STATUS_UNSPECIFIED: _ClassVar[VersionStatus]
    VERSION_STATUS_AVAILABLE: _ClassVar[VersionStatus]
    VERSION_STATUS_DELETED: _ClassVar[VersionStatus]
DATA_FORMAT_UNSPECIFIED: DataFormat
DATA_FORMAT_JSON: DataFormat
DATA_FORMAT_AVRO: DataFormat
DATA_FORMAT_PROTOBUF: DataFormat
COMPATIBILITY_UNSPECIFIED: Compatibility
COMPATIBILITY_NONE: Compatibility
COMPATIBILITY_DISABLED: Compatibility
COMPATIBILITY_BACKWARD: Compatibility
COMPATIBILITY_BACKWARD_ALL: Compatibility
COMPATIBILITY_FORWARD: Compatibility
COMPATIBILITY_FORWARD_ALL: Compatibility
COMPATIBILITY_FULL: Compatibility
COMPATIBILITY_FULL_ALL: Compatibility
ROUTE_UNSPECIFIED: Route
ROUTE_CORE: Route
ROUTE_SECONDARY: Route
VERSION_STATUS_UNSPECIFIED: VersionStatus
VERSION_STATUS_AVAILABLE: VersionStatus
VERSION_STATUS_DELETED: VersionStatus

class SchemaVersion(_message.Message):
    __slots__ = ("schema_id", "subject", "version", "data_format", "definition", "metadata", "status", "in_use", "create_time")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SCHEMA_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DATA_FORMAT_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    IN_USE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    schema_id: str
    subject: str
    version: int
    data_format: DataFormat
    definition: str
    metadata: _containers.ScalarMap[str, str]
    status: VersionStatus
    in_use: bool
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, schema_id: _Optional[str] = ..., subject: _Optional[str] = ..., version: _Optional[int] = ..., data_format: _Optional[_Union[DataFormat, str]] = ..., definition: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., status: _Optional[_Union[VersionStatus, str]] = ..., in_use: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UpcastStep(_message.Message):
    __slots__ = ("rename", "add", "remove", "jq")
    RENAME_FIELD_NUMBER: _ClassVar[int]
    ADD_FIELD_NUMBER: _ClassVar[int]
    REMOVE_FIELD_NUMBER: _ClassVar[int]
    JQ_FIELD_NUMBER: _ClassVar[int]
    rename: RenameField
    add: AddField
    remove: RemoveField
    jq: str
    def __init__(self, rename: _Optional[_Union[RenameField, _Mapping]] = ..., add: _Optional[_Union[AddField, _Mapping]] = ..., remove: _Optional[_Union[RemoveField, _Mapping]] = ..., jq: _Optional[str] = ...) -> None: ...

class RenameField(_message.Message):
    __slots__ = ("to",)
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    to: str
    def __init__(self, to: _Optional[str] = ..., **kwargs) -> None: ...

class AddField(_message.Message):
    __slots__ = ("path", "default_json")
    PATH_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_JSON_FIELD_NUMBER: _ClassVar[int]
    path: str
    default_json: str
    def __init__(self, path: _Optional[str] = ..., default_json: _Optional[str] = ...) -> None: ...

class RemoveField(_message.Message):
    __slots__ = ("path",)
    PATH_FIELD_NUMBER: _ClassVar[int]
    path: str
    def __init__(self, path: _Optional[str] = ...) -> None: ...

class Upcaster(_message.Message):
    __slots__ = ("from_version", "steps")
    FROM_VERSION_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    from_version: int
    steps: _containers.RepeatedCompositeFieldContainer[UpcastStep]
    def __init__(self, from_version: _Optional[int] = ..., steps: _Optional[_Iterable[_Union[UpcastStep, _Mapping]]] = ...) -> None: ...

class Subject(_message.Message):
    __slots__ = ("name", "data_format", "compatibility", "effective_compatibility", "description", "route", "allow_unvalidated", "message_name", "upcasters", "last_version", "latest_version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATA_FORMAT_FIELD_NUMBER: _ClassVar[int]
    COMPATIBILITY_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_COMPATIBILITY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    ALLOW_UNVALIDATED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_NAME_FIELD_NUMBER: _ClassVar[int]
    UPCASTERS_FIELD_NUMBER: _ClassVar[int]
    LAST_VERSION_FIELD_NUMBER: _ClassVar[int]
    LATEST_VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    data_format: DataFormat
    compatibility: Compatibility
    effective_compatibility: Compatibility
    description: str
    route: Route
    allow_unvalidated: bool
    message_name: str
    upcasters: _containers.RepeatedCompositeFieldContainer[Upcaster]
    last_version: int
    latest_version: int
    def __init__(self, name: _Optional[str] = ..., data_format: _Optional[_Union[DataFormat, str]] = ..., compatibility: _Optional[_Union[Compatibility, str]] = ..., effective_compatibility: _Optional[_Union[Compatibility, str]] = ..., description: _Optional[str] = ..., route: _Optional[_Union[Route, str]] = ..., allow_unvalidated: _Optional[bool] = ..., message_name: _Optional[str] = ..., upcasters: _Optional[_Iterable[_Union[Upcaster, _Mapping]]] = ..., last_version: _Optional[int] = ..., latest_version: _Optional[int] = ...) -> None: ...

class BreakingChange(_message.Message):
    __slots__ = ("version", "direction", "kind", "path", "detail")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    version: int
    direction: str
    kind: str
    path: str
    detail: str
    def __init__(self, version: _Optional[int] = ..., direction: _Optional[str] = ..., kind: _Optional[str] = ..., path: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class RegisterSchemaVersionRequest(_message.Message):
    __slots__ = ("subject", "data_format", "definition", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    DATA_FORMAT_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    subject: str
    data_format: DataFormat
    definition: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, subject: _Optional[str] = ..., data_format: _Optional[_Union[DataFormat, str]] = ..., definition: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class RegisterSchemaVersionResponse(_message.Message):
    __slots__ = ("version", "created")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    version: SchemaVersion
    created: bool
    def __init__(self, version: _Optional[_Union[SchemaVersion, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetSchemaVersionRequest(_message.Message):
    __slots__ = ("schema_id", "subject_version", "latest_of_subject")
    SCHEMA_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_VERSION_FIELD_NUMBER: _ClassVar[int]
    LATEST_OF_SUBJECT_FIELD_NUMBER: _ClassVar[int]
    schema_id: str
    subject_version: SubjectVersion
    latest_of_subject: str
    def __init__(self, schema_id: _Optional[str] = ..., subject_version: _Optional[_Union[SubjectVersion, _Mapping]] = ..., latest_of_subject: _Optional[str] = ...) -> None: ...

class SubjectVersion(_message.Message):
    __slots__ = ("subject", "version")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    subject: str
    version: int
    def __init__(self, subject: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class GetSchemaVersionResponse(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: SchemaVersion
    def __init__(self, version: _Optional[_Union[SchemaVersion, _Mapping]] = ...) -> None: ...

class ListSubjectsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSubjectsResponse(_message.Message):
    __slots__ = ("subjects", "next_page_token")
    SUBJECTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    subjects: _containers.RepeatedCompositeFieldContainer[Subject]
    next_page_token: str
    def __init__(self, subjects: _Optional[_Iterable[_Union[Subject, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListVersionsRequest(_message.Message):
    __slots__ = ("subject", "page_size", "page_token", "include_deleted")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DELETED_FIELD_NUMBER: _ClassVar[int]
    subject: str
    page_size: int
    page_token: str
    include_deleted: bool
    def __init__(self, subject: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_deleted: _Optional[bool] = ...) -> None: ...

class ListVersionsResponse(_message.Message):
    __slots__ = ("versions", "next_page_token")
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[SchemaVersion]
    next_page_token: str
    def __init__(self, versions: _Optional[_Iterable[_Union[SchemaVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CheckCompatibilityRequest(_message.Message):
    __slots__ = ("subject", "data_format", "definition")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    DATA_FORMAT_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_FIELD_NUMBER: _ClassVar[int]
    subject: str
    data_format: DataFormat
    definition: str
    def __init__(self, subject: _Optional[str] = ..., data_format: _Optional[_Union[DataFormat, str]] = ..., definition: _Optional[str] = ...) -> None: ...

class CheckCompatibilityResponse(_message.Message):
    __slots__ = ("compatible", "compatibility", "breaking_changes", "existing_version")
    COMPATIBLE_FIELD_NUMBER: _ClassVar[int]
    COMPATIBILITY_FIELD_NUMBER: _ClassVar[int]
    BREAKING_CHANGES_FIELD_NUMBER: _ClassVar[int]
    EXISTING_VERSION_FIELD_NUMBER: _ClassVar[int]
    compatible: bool
    compatibility: Compatibility
    breaking_changes: _containers.RepeatedCompositeFieldContainer[BreakingChange]
    existing_version: int
    def __init__(self, compatible: _Optional[bool] = ..., compatibility: _Optional[_Union[Compatibility, str]] = ..., breaking_changes: _Optional[_Iterable[_Union[BreakingChange, _Mapping]]] = ..., existing_version: _Optional[int] = ...) -> None: ...

class GetCompatibilityRequest(_message.Message):
    __slots__ = ("subject",)
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: str
    def __init__(self, subject: _Optional[str] = ...) -> None: ...

class GetCompatibilityResponse(_message.Message):
    __slots__ = ("compatibility", "effective_compatibility")
    COMPATIBILITY_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_COMPATIBILITY_FIELD_NUMBER: _ClassVar[int]
    compatibility: Compatibility
    effective_compatibility: Compatibility
    def __init__(self, compatibility: _Optional[_Union[Compatibility, str]] = ..., effective_compatibility: _Optional[_Union[Compatibility, str]] = ...) -> None: ...

class SetCompatibilityRequest(_message.Message):
    __slots__ = ("subject", "compatibility")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    COMPATIBILITY_FIELD_NUMBER: _ClassVar[int]
    subject: str
    compatibility: Compatibility
    def __init__(self, subject: _Optional[str] = ..., compatibility: _Optional[_Union[Compatibility, str]] = ...) -> None: ...

class SetCompatibilityResponse(_message.Message):
    __slots__ = ("effective_compatibility",)
    EFFECTIVE_COMPATIBILITY_FIELD_NUMBER: _ClassVar[int]
    effective_compatibility: Compatibility
    def __init__(self, effective_compatibility: _Optional[_Union[Compatibility, str]] = ...) -> None: ...

class GetSubjectRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetSubjectResponse(_message.Message):
    __slots__ = ("subject",)
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: Subject
    def __init__(self, subject: _Optional[_Union[Subject, _Mapping]] = ...) -> None: ...

class PutSubjectRequest(_message.Message):
    __slots__ = ("subject",)
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: Subject
    def __init__(self, subject: _Optional[_Union[Subject, _Mapping]] = ...) -> None: ...

class PutSubjectResponse(_message.Message):
    __slots__ = ("subject",)
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: Subject
    def __init__(self, subject: _Optional[_Union[Subject, _Mapping]] = ...) -> None: ...

class ValidatePayloadRequest(_message.Message):
    __slots__ = ("subject", "version", "content_type", "data")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    subject: str
    version: int
    content_type: str
    data: bytes
    def __init__(self, subject: _Optional[str] = ..., version: _Optional[int] = ..., content_type: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class PayloadViolation(_message.Message):
    __slots__ = ("pointer", "message")
    POINTER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    pointer: str
    message: str
    def __init__(self, pointer: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class ValidatePayloadResponse(_message.Message):
    __slots__ = ("valid", "version", "violations")
    VALID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    version: int
    violations: _containers.RepeatedCompositeFieldContainer[PayloadViolation]
    def __init__(self, valid: _Optional[bool] = ..., version: _Optional[int] = ..., violations: _Optional[_Iterable[_Union[PayloadViolation, _Mapping]]] = ...) -> None: ...

class DeleteSchemaVersionRequest(_message.Message):
    __slots__ = ("subject", "version", "permanent")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PERMANENT_FIELD_NUMBER: _ClassVar[int]
    subject: str
    version: int
    permanent: bool
    def __init__(self, subject: _Optional[str] = ..., version: _Optional[int] = ..., permanent: _Optional[bool] = ...) -> None: ...

class DeleteSchemaVersionResponse(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: SchemaVersion
    def __init__(self, version: _Optional[_Union[SchemaVersion, _Mapping]] = ...) -> None: ...
