from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Effect(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EFFECT_UNSPECIFIED: _ClassVar[Effect]
    EFFECT_READ: _ClassVar[Effect]
    EFFECT_APPEND: _ClassVar[Effect]
    EFFECT_STREAM_LIFECYCLE: _ClassVar[Effect]
    EFFECT_REGISTRY: _ClassVar[Effect]
    EFFECT_ADMIN: _ClassVar[Effect]
    EFFECT_MODIFY_EVENTS: _ClassVar[Effect]
EFFECT_UNSPECIFIED: Effect
EFFECT_READ: Effect
EFFECT_APPEND: Effect
EFFECT_STREAM_LIFECYCLE: Effect
EFFECT_REGISTRY: Effect
EFFECT_ADMIN: Effect
EFFECT_MODIFY_EVENTS: Effect
RPC_FIELD_NUMBER: _ClassVar[int]
rpc: _descriptor.FieldDescriptor

class RpcRules(_message.Message):
    __slots__ = ("effect", "temporal")
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    TEMPORAL_FIELD_NUMBER: _ClassVar[int]
    effect: Effect
    temporal: bool
    def __init__(self, effect: _Optional[_Union[Effect, str]] = ..., temporal: _Optional[bool] = ...) -> None: ...
