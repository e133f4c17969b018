"""Nexus client for asyncio: a thin layer over the generated ``nexus.v1`` stubs.

It adds what every caller would otherwise write: connecting (plaintext or
TLS, bearer token), default deadlines, command and event ids, correlation
and causation ids, typed errors, safe retries, and subscriptions and
watches that resume after a disconnect; and :class:`Handler`, remote
command handlers. See README.md.
"""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import json_format, struct_pb2

from .client import ANY, DEFAULT_TIMEOUT, NO_STREAM, STREAM_EXISTS, Client, connect, event, expected_revision
from .errors import FieldViolation, NexusError
from .handler import DEFAULT_HANDLER_RECONNECT, HANDLER_ERROR, Handler, Rejected
from .retry import DEFAULT_RECONNECT, DEFAULT_RETRY, NO_RETRY, RetryPolicy, is_retryable
from .streams import AllSubscription, DocumentWatch, QueryWatch, StreamSubscription

__all__ = [
    "ANY",
    "DEFAULT_HANDLER_RECONNECT",
    "DEFAULT_RECONNECT",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "NO_RETRY",
    "NO_STREAM",
    "STREAM_EXISTS",
    "AllSubscription",
    "Client",
    "DocumentWatch",
    "FieldViolation",
    "HANDLER_ERROR",
    "Handler",
    "NexusError",
    "QueryWatch",
    "Rejected",
    "RetryPolicy",
    "StreamSubscription",
    "connect",
    "event",
    "event_data",
    "expected_revision",
    "is_retryable",
    "to_dict",
]


def event_data(recorded: Any) -> Any:
    """The JSON payload of a RecordedEvent (or ProposedEvent), decoded."""
    return json.loads(recorded.data) if recorded.data else None


def to_dict(message: struct_pb2.Struct) -> dict:
    """A Struct (a command payload, a document body) as a dict, with
    whole numbers as ints (JSON numbers travel as doubles)."""
    return _ints(json_format.MessageToDict(message))


def _ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value
