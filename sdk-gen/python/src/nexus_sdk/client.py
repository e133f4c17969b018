"""The asyncio client: connection, deadlines, ids, retries, typed errors."""

from __future__ import annotations

import asyncio
import datetime
import json
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any, Union

import grpc
import grpc.aio
from google.protobuf import empty_pb2, struct_pb2

from nexus.v1 import (
    command_pb2,
    command_pb2_grpc,
    event_pb2,
    event_store_pb2,
    event_store_pb2_grpc,
    policy_pb2_grpc,
    query_pb2,
    query_pb2_grpc,
    queue_pb2_grpc,
    saga_pb2_grpc,
    schema_pb2_grpc,
    snapshot_pb2_grpc,
    temporal_pb2_grpc,
)

from ._interceptors import interceptors
from .errors import NexusError
from .retry import DEFAULT_RECONNECT, DEFAULT_RETRY, NO_RETRY, RetryPolicy, is_retryable
from .streams import DocumentWatch, QueryWatch, StreamSubscription, AllSubscription

__all__ = [
    "ANY",
    "NO_STREAM",
    "STREAM_EXISTS",
    "Client",
    "connect",
    "event",
    "expected_revision",
]

#: Default deadline of unary calls, in seconds (per attempt).
DEFAULT_TIMEOUT = 10.0

ANY = "any"
NO_STREAM = "no_stream"
STREAM_EXISTS = "stream_exists"

Expected = Union[int, str, event_pb2.ExpectedRevision, None]

_CHANNEL_OPTIONS = {
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
    # Come back quickly after a server restart (gRPC's default waits up to 120 s).
    "grpc.initial_reconnect_backoff_ms": 200,
    "grpc.max_reconnect_backoff_ms": 3000,
    # Notice a silently dead connection under a long-lived subscription.
    "grpc.keepalive_time_ms": 30000,
    "grpc.keepalive_timeout_ms": 10000,
}


def expected_revision(value: Expected) -> event_pb2.ExpectedRevision | None:
    """An ExpectedRevision from an int (exact revision), ``ANY``,
    ``NO_STREAM``, ``STREAM_EXISTS``, a message, or ``None`` (absent)."""
    if value is None or isinstance(value, event_pb2.ExpectedRevision):
        return value
    if isinstance(value, bool):
        raise TypeError("expected_revision must be an int, ANY, NO_STREAM or STREAM_EXISTS")
    if isinstance(value, int):
        return event_pb2.ExpectedRevision(exact=value)
    if value in (ANY, NO_STREAM, STREAM_EXISTS):
        return event_pb2.ExpectedRevision(**{value: empty_pb2.Empty()})
    raise ValueError(f"unknown expected revision {value!r}")


_expected = expected_revision


def event(
    event_type: str,
    data: Any,
    *,
    event_id: str | None = None,
    content_type: str | None = None,
    schema_version: int = 0,
    custom: Mapping[str, str] | None = None,
) -> event_pb2.ProposedEvent:
    """A ProposedEvent. ``data`` that is not bytes is encoded as JSON. The
    event id, when not given, is filled by :meth:`Client.append`."""
    if isinstance(data, (bytes, bytearray)):
        raw = bytes(data)
    else:
        raw = json.dumps(data, separators=(",", ":")).encode()
        content_type = content_type or "application/json"
    proposed = event_pb2.ProposedEvent(
        event_id=event_id or "",
        event_type=event_type,
        content_type=content_type or "",
        data=raw,
        schema_version=schema_version,
    )
    if custom:
        proposed.metadata.custom.update(custom)
    return proposed


def _struct(payload: Mapping[str, Any] | struct_pb2.Struct | None) -> struct_pb2.Struct:
    if isinstance(payload, struct_pb2.Struct):
        return payload
    out = struct_pb2.Struct()
    if payload:
        out.update(payload)
    return out


def _ids(
    correlation_id: str | None, causation_id: str | None, caused_by: event_pb2.RecordedEvent | None
) -> tuple[str, str]:
    """Explicit ids win; else ids derived from the event that caused this."""
    if caused_by is not None:
        correlation_id = correlation_id or caused_by.metadata.correlation_id or caused_by.event_id
        causation_id = causation_id or caused_by.event_id
    return correlation_id or "", causation_id or ""


def _all_from(after: str | None, from_end: bool) -> event_pb2.AllFrom:
    if after:
        return event_pb2.AllFrom(after=after)
    if from_end:
        return event_pb2.AllFrom(end=empty_pb2.Empty())
    return event_pb2.AllFrom(start=empty_pb2.Empty())


class Client:
    """An asyncio Nexus client over one gRPC channel.

    Create it inside a running event loop; use it as ``async with`` or call
    :meth:`close`. The generated stubs are available as attributes
    (``commands``, ``event_store``, ``query``, ``schemas``, ``snapshots``,
    ``sagas``, ``queues``, ``policies``, ``temporal``); they share the
    channel, so they carry the token and the default deadline too, but raise
    raw ``grpc.aio.AioRpcError`` (decode with ``NexusError.from_rpc_error``
    or call them through :meth:`invoke`).
    """

    def __init__(
        self,
        target: str,
        *,
        tls: bool | None = None,
        root_certificates: bytes | str | None = None,
        client_certificate: bytes | str | None = None,
        client_key: bytes | str | None = None,
        token: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        reconnect: RetryPolicy = DEFAULT_RECONNECT,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        if target.startswith("https://"):
            target, tls = target[len("https://") :], True if tls is None else tls
        elif target.startswith("http://"):
            target, tls = target[len("http://") :], False if tls is None else tls
        if tls is None:
            tls = root_certificates is not None or client_certificate is not None
        channel_options = list({**_CHANNEL_OPTIONS, **(options or {})}.items())
        chain = interceptors(token, timeout)
        if tls:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=_pem(root_certificates),
                private_key=_pem(client_key),
                certificate_chain=_pem(client_certificate),
            )
            self.channel = grpc.aio.secure_channel(target, credentials, options=channel_options, interceptors=chain)
        else:
            self.channel = grpc.aio.insecure_channel(target, options=channel_options, interceptors=chain)
        self.timeout = timeout
        self.retry = retry
        self.reconnect = reconnect
        self.commands = command_pb2_grpc.CommandServiceStub(self.channel)
        self.event_store = event_store_pb2_grpc.EventStoreServiceStub(self.channel)
        self.query = query_pb2_grpc.QueryServiceStub(self.channel)
        self.schemas = schema_pb2_grpc.SchemaServiceStub(self.channel)
        self.snapshots = snapshot_pb2_grpc.SnapshotServiceStub(self.channel)
        self.sagas = saga_pb2_grpc.SagaServiceStub(self.channel)
        self.queues = queue_pb2_grpc.QueueServiceStub(self.channel)
        self.policies = policy_pb2_grpc.PolicyServiceStub(self.channel)
        self.temporal = temporal_pb2_grpc.TemporalQueryServiceStub(self.channel)

    async def __aenter__(self) -> "Client":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Closes the channel; open subscriptions and watches end."""
        await self.channel.close()

    # -- unary calls -------------------------------------------------------

    async def invoke(
        self,
        method: Any,
        request: Any,
        *,
        retryable: bool = False,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        metadata: Iterable[tuple[str, str]] | None = None,
    ) -> Any:
        """Calls a unary stub method (e.g. ``client.query.GetDocument``) with
        the deadline, typed errors and, if ``retryable``, retries."""
        policy = (retry or self.retry) if retryable else NO_RETRY
        attempt = 0
        while True:
            attempt += 1
            try:
                return await method(
                    request,
                    timeout=timeout if timeout is not None else self.timeout,
                    metadata=tuple(metadata) if metadata else None,
                )
            except grpc.aio.AioRpcError as rpc_error:
                error = NexusError.from_rpc_error(rpc_error)
                if not is_retryable(error) or policy.exhausted(attempt):
                    raise error from None
            await asyncio.sleep(policy.delay(attempt, error))

    async def list_aggregate_types(
        self, *, timeout: float | None = None, retry: RetryPolicy | None = None
    ) -> command_pb2.ListAggregateTypesResponse:
        """The aggregate types and their command and event types."""
        return await self.invoke(
            self.commands.ListAggregateTypes,
            command_pb2.ListAggregateTypesRequest(),
            retryable=True,
            timeout=timeout,
            retry=retry,
        )

    async def execute(
        self,
        aggregate_type: str,
        aggregate_id: str,
        command_type: str,
        payload: Mapping[str, Any] | struct_pb2.Struct | None = None,
        *,
        command_id: str | None = None,
        expected_revision: Expected = None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        caused_by: event_pb2.RecordedEvent | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> command_pb2.ExecuteResponse:
        """Executes a command. A ``command_id`` is generated when not given,
        which makes the call safe to retry: a repeat returns the first
        execution's events with ``already_executed`` set."""
        correlation_id, causation_id = _ids(correlation_id, causation_id, caused_by)
        request = command_pb2.ExecuteRequest(
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            command_type=command_type,
            payload=_struct(payload),
            command_id=command_id or str(uuid.uuid4()),
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        revision = _expected(expected_revision)
        if revision is not None:
            request.expected_revision.CopyFrom(revision)
        return await self.execute_request(request, timeout=timeout, retry=retry)

    async def execute_request(
        self,
        request: command_pb2.ExecuteRequest,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> command_pb2.ExecuteResponse:
        """Executes a prepared ExecuteRequest as is; retried only when it has
        a ``command_id``."""
        return await self.invoke(
            self.commands.Execute, request, retryable=bool(request.command_id), timeout=timeout, retry=retry
        )

    async def append(
        self,
        stream_id: str,
        events: Iterable[event_pb2.ProposedEvent],
        *,
        expected_revision: Expected = None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        caused_by: event_pb2.RecordedEvent | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> event_store_pb2.AppendToStreamResponse:
        """Appends events atomically. Missing event ids are filled once,
        before the first attempt, so retries are deduplicated by the server
        (``already_appended``). Correlation and causation ids are set on
        every event that has none."""
        correlation_id, causation_id = _ids(correlation_id, causation_id, caused_by)
        request = event_store_pb2.AppendToStreamRequest(stream_id=stream_id)
        revision = _expected(expected_revision)
        if revision is not None:
            request.expected_revision.CopyFrom(revision)
        for proposed in events:
            item = request.events.add()
            item.CopyFrom(proposed)
            if not item.event_id:
                item.event_id = str(uuid.uuid4())
            if correlation_id and not item.metadata.correlation_id:
                item.metadata.correlation_id = correlation_id
            if causation_id and not item.metadata.causation_id:
                item.metadata.causation_id = causation_id
        return await self.invoke(
            self.event_store.AppendToStream, request, retryable=True, timeout=timeout, retry=retry
        )

    async def read_stream(
        self,
        stream_id: str,
        *,
        from_revision: int | None = None,
        backwards: bool = False,
        page_size: int = 0,
        as_stored: bool = False,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> event_store_pb2.ReadStreamResponse:
        """Reads one page of a stream (``next_revision`` continues it)."""
        request = event_store_pb2.ReadStreamRequest(
            stream_id=stream_id,
            direction=event_pb2.READ_DIRECTION_BACKWARDS if backwards else event_pb2.READ_DIRECTION_FORWARDS,
            page_size=page_size,
            as_stored=as_stored,
        )
        if from_revision is not None:
            request.from_revision = from_revision
        return await self.invoke(self.event_store.ReadStream, request, retryable=True, timeout=timeout, retry=retry)

    async def iter_stream(
        self,
        stream_id: str,
        *,
        from_revision: int | None = None,
        backwards: bool = False,
        page_size: int = 0,
        as_stored: bool = False,
    ) -> AsyncIterator[event_pb2.RecordedEvent]:
        """Every event of a stream, page by page."""
        while True:
            page = await self.read_stream(
                stream_id, from_revision=from_revision, backwards=backwards, page_size=page_size, as_stored=as_stored
            )
            for recorded in page.events:
                yield recorded
            if not page.HasField("next_revision"):
                return
            from_revision = page.next_revision

    async def read_all(
        self,
        *,
        after: str | None = None,
        backwards: bool = False,
        page_size: int = 0,
        event_types: Iterable[str] = (),
        stream_prefixes: Iterable[str] = (),
        as_stored: bool = False,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> event_store_pb2.ReadAllResponse:
        """Reads one page of the global log after a position token (or from
        the start/end); ``next_position.token`` continues it. ``event_types``
        and ``stream_prefixes`` are prefix filters."""
        request = event_store_pb2.ReadAllRequest(
            direction=event_pb2.READ_DIRECTION_BACKWARDS if backwards else event_pb2.READ_DIRECTION_FORWARDS,
            page_size=page_size,
            as_stored=as_stored,
        )
        if after:
            getattr(request, "from").CopyFrom(event_pb2.AllFrom(after=after))
        _filter(request.filter, event_types, stream_prefixes, clear_if_empty=request)
        return await self.invoke(self.event_store.ReadAll, request, retryable=True, timeout=timeout, retry=retry)

    async def get_document(
        self,
        projection: str,
        key: str,
        *,
        after: event_pb2.Position | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> query_pb2.Document:
        """One projected document. With ``after`` (e.g. the last event's
        position of a write), waits until the projection has applied it."""
        request = query_pb2.GetDocumentRequest(projection=projection, key=key)
        if after is not None:
            request.consistency.position.CopyFrom(after)
        response = await self.invoke(self.query.GetDocument, request, retryable=True, timeout=timeout, retry=retry)
        return response.document

    # -- streams ---------------------------------------------------------

    def subscribe_all(
        self,
        *,
        after: str | None = None,
        from_end: bool = False,
        event_types: Iterable[str] = (),
        stream_prefixes: Iterable[str] = (),
        heartbeat: float | None = None,
        as_stored: bool = False,
        reconnect: RetryPolicy | None = None,
    ) -> AllSubscription:
        """Follows the global log: an async iterator of RecordedEvent that
        reconnects on UNAVAILABLE or an unexpected end and resumes after the
        last position it saw (event, checkpoint or caught-up). Starts after
        ``after`` (a position token), at the end, or at the start."""
        request = event_store_pb2.SubscribeAllRequest(as_stored=as_stored)
        _filter(request.filter, event_types, stream_prefixes, clear_if_empty=request)
        if heartbeat is not None:
            request.heartbeat_interval.FromTimedelta(_timedelta(heartbeat))
        return AllSubscription(
            self.event_store.SubscribeAll,
            request,
            start=_all_from(after, from_end),
            policy=reconnect or self.reconnect,
        )

    def subscribe_stream(
        self,
        stream_id: str,
        *,
        after_revision: int | None = None,
        from_end: bool = False,
        heartbeat: float | None = None,
        as_stored: bool = False,
        reconnect: RetryPolicy | None = None,
    ) -> StreamSubscription:
        """Follows one stream: an async iterator of RecordedEvent that
        reconnects like :meth:`subscribe_all` and resumes after the last
        revision it delivered."""
        request = event_store_pb2.SubscribeStreamRequest(stream_id=stream_id, as_stored=as_stored)
        if heartbeat is not None:
            request.heartbeat_interval.FromTimedelta(_timedelta(heartbeat))
        return StreamSubscription(
            self.event_store.SubscribeStream,
            request,
            after_revision=after_revision,
            from_end=from_end,
            read_last=self._last_revision,
            policy=reconnect or self.reconnect,
        )

    async def _last_revision(self, stream_id: str) -> int | None:
        try:
            page = await self.read_stream(stream_id, backwards=True, page_size=1)
        except NexusError as error:
            if error.code == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return page.events[0].stream_revision if page.events else None

    def watch_documents(
        self,
        projection: str,
        keys: Iterable[str],
        *,
        resume_after: str | None = None,
        reconnect: RetryPolicy | None = None,
    ) -> DocumentWatch:
        """Watches documents by key: an async iterator of WatchEvent
        (Current..., Live, then Change; Reset means start over) that
        reconnects and resumes after the last ``watch_position``."""
        request = query_pb2.WatchDocumentsRequest(projection=projection, keys=list(keys))
        return DocumentWatch(
            self.query.WatchDocuments, request, resume_after=resume_after, policy=reconnect or self.reconnect
        )

    def watch_query(
        self,
        projection: str,
        *,
        text: str = "",
        filters: Iterable[query_pb2.FieldFilter] = (),
        resume_after: str | None = None,
        reconnect: RetryPolicy | None = None,
    ) -> QueryWatch:
        """Watches the documents matching a query; like :meth:`watch_documents`."""
        request = query_pb2.WatchQueryRequest(projection=projection, text=text, filters=list(filters))
        return QueryWatch(self.query.WatchQuery, request, resume_after=resume_after, policy=reconnect or self.reconnect)


def connect(target: str, **kwargs: Any) -> Client:
    """``Client(target, **kwargs)``; see :class:`Client`. ``target`` is
    ``host:port`` (plaintext unless ``tls=True`` or a CA is given),
    ``http://host:port`` or ``https://host:port``."""
    return Client(target, **kwargs)


def _filter(message: event_pb2.EventFilter, event_types: Iterable[str], stream_prefixes: Iterable[str], clear_if_empty):
    event_types, stream_prefixes = list(event_types), list(stream_prefixes)
    if not event_types and not stream_prefixes:
        clear_if_empty.ClearField("filter")
        return
    message.event_type_prefixes.extend(event_types)
    message.stream_prefixes.extend(stream_prefixes)


def _timedelta(seconds: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=seconds)


def _pem(value: bytes | str | None) -> bytes | None:
    """PEM bytes, or the contents of the file a str names."""
    if value is None or isinstance(value, bytes):
        return value
    with open(value, "rb") as file:
        return file.read()
