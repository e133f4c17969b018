import datetime

from google.protobuf import duration_pb2 as _duration_pb2
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

class ConsumerSettings(_message.Message):
    __slots__ = ("visibility_timeout", "max_deliveries", "backoff_initial", "backoff_max", "event_types")
    VISIBILITY_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    MAX_DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    BACKOFF_INITIAL_FIELD_NUMBER: _ClassVar[int]
    BACKOFF_MAX_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    visibility_timeout: _duration_pb2.Duration
    max_deliveries: int
    backoff_initial: _duration_pb2.Duration
    backoff_max: _duration_pb2.Duration
    event_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, visibility_timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_deliveries: _Optional[int] = ..., backoff_initial: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., backoff_max: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., event_types: _Optional[_Iterable[str]] = ...) -> None: ...

class Consumer(_message.Message):
    __slots__ = ("name", "settings", "ready", "in_flight", "dead_letters")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    name: str
    settings: ConsumerSettings
    ready: int
    in_flight: int
    dead_letters: int
    def __init__(self, name: _Optional[str] = ..., settings: _Optional[_Union[ConsumerSettings, _Mapping]] = ..., ready: _Optional[int] = ..., in_flight: _Optional[int] = ..., dead_letters: _Optional[int] = ...) -> None: ...

class CreateConsumerRequest(_message.Message):
    __slots__ = ("name", "settings")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    name: str
    settings: ConsumerSettings
    def __init__(self, name: _Optional[str] = ..., settings: _Optional[_Union[ConsumerSettings, _Mapping]] = ...) -> None: ...

class CreateConsumerResponse(_message.Message):
    __slots__ = ("consumer",)
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    consumer: Consumer
    def __init__(self, consumer: _Optional[_Union[Consumer, _Mapping]] = ...) -> None: ...

class DeleteConsumerRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteConsumerResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListConsumersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListConsumersResponse(_message.Message):
    __slots__ = ("consumers",)
    CONSUMERS_FIELD_NUMBER: _ClassVar[int]
    consumers: _containers.RepeatedCompositeFieldContainer[Consumer]
    def __init__(self, consumers: _Optional[_Iterable[_Union[Consumer, _Mapping]]] = ...) -> None: ...

class GetConsumerRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class GetConsumerResponse(_message.Message):
    __slots__ = ("consumer",)
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    consumer: Consumer
    def __init__(self, consumer: _Optional[_Union[Consumer, _Mapping]] = ...) -> None: ...

class ConsumeRequest(_message.Message):
    __slots__ = ("start", "ack", "nack", "park")
    class Start(_message.Message):
        __slots__ = ("consumer", "max_in_flight")
        CONSUMER_FIELD_NUMBER: _ClassVar[int]
        MAX_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
        consumer: str
        max_in_flight: int
        def __init__(self, consumer: _Optional[str] = ..., max_in_flight: _Optional[int] = ...) -> None: ...
    class Ack(_message.Message):
        __slots__ = ("receipt",)
        RECEIPT_FIELD_NUMBER: _ClassVar[int]
        receipt: str
        def __init__(self, receipt: _Optional[str] = ...) -> None: ...
    class Nack(_message.Message):
        __slots__ = ("receipt", "error")
        RECEIPT_FIELD_NUMBER: _ClassVar[int]
        ERROR_FIELD_NUMBER: _ClassVar[int]
        receipt: str
        error: str
        def __init__(self, receipt: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...
    class Park(_message.Message):
        __slots__ = ("receipt", "reason")
        RECEIPT_FIELD_NUMBER: _ClassVar[int]
        REASON_FIELD_NUMBER: _ClassVar[int]
        receipt: str
        reason: str
        def __init__(self, receipt: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...
    START_FIELD_NUMBER: _ClassVar[int]
    ACK_FIELD_NUMBER: _ClassVar[int]
    NACK_FIELD_NUMBER: _ClassVar[int]
    PARK_FIELD_NUMBER: _ClassVar[int]
    start: ConsumeRequest.Start
    ack: ConsumeRequest.Ack
    nack: ConsumeRequest.Nack
    park: ConsumeRequest.Park
    def __init__(self, start: _Optional[_Union[ConsumeRequest.Start, _Mapping]] = ..., ack: _Optional[_Union[ConsumeRequest.Ack, _Mapping]] = ..., nack: _Optional[_Union[ConsumeRequest.Nack, _Mapping]] = ..., park: _Optional[_Union[ConsumeRequest.Park, _Mapping]] = ...) -> None: ...

class ConsumeResponse(_message.Message):
    __slots__ = ("delivery", "settled")
    class Delivery(_message.Message):
        __slots__ = ("receipt", "event", "attempt")
        RECEIPT_FIELD_NUMBER: _ClassVar[int]
        EVENT_FIELD_NUMBER: _ClassVar[int]
        ATTEMPT_FIELD_NUMBER: _ClassVar[int]
        receipt: str
        event: _event_pb2.RecordedEvent
        attempt: int
        def __init__(self, receipt: _Optional[str] = ..., event: _Optional[_Union[_event_pb2.RecordedEvent, _Mapping]] = ..., attempt: _Optional[int] = ...) -> None: ...
    class Settled(_message.Message):
        __slots__ = ("receipt", "outcome", "retry_after")
        class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
            __slots__ = ()
            OUTCOME_UNSPECIFIED: _ClassVar[ConsumeResponse.Settled.Outcome]
            OUTCOME_ACKED: _ClassVar[ConsumeResponse.Settled.Outcome]
            OUTCOME_RETRY: _ClassVar[ConsumeResponse.Settled.Outcome]
            OUTCOME_DEAD_LETTERED: _ClassVar[ConsumeResponse.Settled.Outcome]
            OUTCOME_PARKED: _ClassVar[ConsumeResponse.Settled.Outcome]
            OUTCOME_STALE: _ClassVar[ConsumeResponse.Settled.Outcome]
        OUTCOME_UNSPECIFIED: ConsumeResponse.Settled.Outcome
        OUTCOME_ACKED: ConsumeResponse.Settled.Outcome
        OUTCOME_RETRY: ConsumeResponse.Settled.Outcome
        OUTCOME_DEAD_LETTERED: ConsumeResponse.Settled.Outcome
        OUTCOME_PARKED: ConsumeResponse.Settled.Outcome
        OUTCOME_STALE: ConsumeResponse.Settled.Outcome
        RECEIPT_FIELD_NUMBER: _ClassVar[int]
        OUTCOME_FIELD_NUMBER: _ClassVar[int]
        RETRY_AFTER_FIELD_NUMBER: _ClassVar[int]
        receipt: str
        outcome: ConsumeResponse.Settled.Outcome
        retry_after: _duration_pb2.Duration
        def __init__(self, receipt: _Optional[str] = ..., outcome: _Optional[_Union[ConsumeResponse.Settled.Outcome, str]] = ..., retry_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    SETTLED_FIELD_NUMBER: _ClassVar[int]
    delivery: ConsumeResponse.Delivery
    settled: ConsumeResponse.Settled
    def __init__(self, delivery: _Optional[_Union[ConsumeResponse.Delivery, _Mapping]] = ..., settled: _Optional[_Union[ConsumeResponse.Settled, _Mapping]] = ...) -> None: ...

class DeadLetter(_message.Message):
    __slots__ = ("id", "consumer", "event", "attempts", "last_error", "parked", "dead_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    PARKED_FIELD_NUMBER: _ClassVar[int]
    DEAD_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    consumer: str
    event: _event_pb2.RecordedEvent
    attempts: int
    last_error: str
    parked: bool
    dead_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., consumer: _Optional[str] = ..., event: _Optional[_Union[_event_pb2.RecordedEvent, _Mapping]] = ..., attempts: _Optional[int] = ..., last_error: _Optional[str] = ..., parked: _Optional[bool] = ..., dead_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDeadLettersRequest(_message.Message):
    __slots__ = ("consumer", "page_size", "page_token")
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    consumer: str
    page_size: int
    page_token: str
    def __init__(self, consumer: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDeadLettersResponse(_message.Message):
    __slots__ = ("dead_letters", "next_page_token")
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    dead_letters: _containers.RepeatedCompositeFieldContainer[DeadLetter]
    next_page_token: str
    def __init__(self, dead_letters: _Optional[_Iterable[_Union[DeadLetter, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetDeadLetterRequest(_message.Message):
    __slots__ = ("consumer", "id")
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    consumer: str
    id: str
    def __init__(self, consumer: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class GetDeadLetterResponse(_message.Message):
    __slots__ = ("dead_letter",)
    DEAD_LETTER_FIELD_NUMBER: _ClassVar[int]
    dead_letter: DeadLetter
    def __init__(self, dead_letter: _Optional[_Union[DeadLetter, _Mapping]] = ...) -> None: ...

class RedriveDeadLettersRequest(_message.Message):
    __slots__ = ("consumer", "ids", "all")
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    consumer: str
    ids: _containers.RepeatedScalarFieldContainer[str]
    all: bool
    def __init__(self, consumer: _Optional[str] = ..., ids: _Optional[_Iterable[str]] = ..., all: _Optional[bool] = ...) -> None: ...

class RedriveDeadLettersResponse(_message.Message):
    __slots__ = ("redriven",)
    REDRIVEN_FIELD_NUMBER: _ClassVar[int]
    redriven: int
    def __init__(self, redriven: _Optional[int] = ...) -> None: ...

class PurgeDeadLettersRequest(_message.Message):
    __slots__ = ("consumer", "ids", "all")
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    consumer: str
    ids: _containers.RepeatedScalarFieldContainer[str]
    all: bool
    def __init__(self, consumer: _Optional[str] = ..., ids: _Optional[_Iterable[str]] = ..., all: _Optional[bool] = ...) -> None: ...

class PurgeDeadLettersResponse(_message.Message):
    __slots__ = ("purged",)
    PURGED_FIELD_NUMBER: _ClassVar[int]
    purged: int
    def __init__(self, purged: _Optional[int] = ...) -> None: ...
