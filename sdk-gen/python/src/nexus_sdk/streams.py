"""Resuming server streams: subscriptions and watches.

Each helper is an async iterator. It remembers where it is (a position
token, a stream revision or a watch position) as it hands out messages, and
when the stream fails with a retryable error (UNAVAILABLE, or
RESOURCE_EXHAUSTED/ABORTED with RetryInfo) or ends without having been
closed, it reconnects with backoff and resumes right after the last message
delivered: nothing is lost and nothing repeats. Other errors are raised as
:class:`NexusError`. Leaving the ``async for`` (or :meth:`close`) cancels
the call.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic, TypeVar

import grpc
import grpc.aio
from google.protobuf import empty_pb2

from nexus.v1 import event_pb2, event_store_pb2, query_pb2

from .errors import NexusError
from .retry import RetryPolicy, is_retryable

__all__ = ["AllSubscription", "DocumentWatch", "QueryWatch", "ResumingStream", "StreamSubscription"]

T = TypeVar("T")


class ResumingStream(Generic[T]):
    """Base of the helpers: the reconnect loop.

    Attributes:
        reconnects: how many times the stream was opened again.
        caught_up: set once the server said the history (or snapshot) is
            delivered and the stream is live (after the first time, it stays
            set across reconnects).
    """

    def __init__(self, method: Callable[..., Any], policy: RetryPolicy) -> None:
        self._method = method
        self._policy = policy
        self._call: Any = None
        self._closed = False
        self._closing = asyncio.Event()
        self._iterating = False
        self.reconnects = 0
        self.caught_up = asyncio.Event()

    # Subclasses: the request for the next (re)connect, and what a message
    # means (update the resume state; return the item to yield, or None).
    def _request(self) -> Any:
        raise NotImplementedError

    def _handle(self, message: Any) -> T | None:
        raise NotImplementedError

    async def _prepare(self) -> None:
        """Runs once before the first connect."""

    def __aiter__(self) -> AsyncIterator[T]:
        if self._iterating:
            raise RuntimeError("a subscription or watch can be iterated only once")
        self._iterating = True
        return self._run()

    async def __aenter__(self) -> "ResumingStream[T]":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stops the stream; a running ``async for`` ends."""
        self._closed = True
        self._closing.set()
        if self._call is not None:
            self._call.cancel()

    async def _run(self) -> AsyncIterator[T]:
        await self._prepare()
        failures = 0
        while not self._closed:
            error: NexusError | None = None
            call = self._call = self._method(self._request())
            try:
                async for message in call:
                    failures = 0
                    item = self._handle(message)
                    if item is not None:
                        yield item
                    if self._closed:
                        return
            except grpc.aio.AioRpcError as rpc_error:
                if self._closed:
                    return
                error = NexusError.from_rpc_error(rpc_error)
                if not is_retryable(error):
                    raise error from None
            except asyncio.CancelledError:
                if self._closed:
                    return
                raise
            finally:
                call.cancel()
                self._call = None
            if self._closed:
                return
            # A retryable error, or the server ended the stream: reconnect.
            failures += 1
            if self._policy.exhausted(failures):
                raise error or NexusError(grpc.StatusCode.UNAVAILABLE, "the stream ended and reconnecting failed")
            try:  # back off, unless closed meanwhile
                await asyncio.wait_for(self._closing.wait(), self._policy.delay(failures, error))
                return
            except asyncio.TimeoutError:
                pass
            self.reconnects += 1


class AllSubscription(ResumingStream[event_pb2.RecordedEvent]):
    """SubscribeAll that resumes after the last position token.

    ``position`` is the last Position seen (event, checkpoint or caught-up):
    store its token to resume in a later process with
    ``subscribe_all(after=token)``.
    """

    def __init__(
        self,
        method: Callable[..., Any],
        request: event_store_pb2.SubscribeAllRequest,
        *,
        start: event_pb2.AllFrom,
        policy: RetryPolicy,
    ) -> None:
        super().__init__(method, policy)
        self._template = request
        self._start = start
        self.position: event_pb2.Position | None = None
        if start.WhichOneof("kind") == "after":
            self.position = event_pb2.Position(token=start.after)

    def _request(self) -> event_store_pb2.SubscribeAllRequest:
        request = event_store_pb2.SubscribeAllRequest()
        request.CopyFrom(self._template)
        start = event_pb2.AllFrom(after=self.position.token) if self.position is not None else self._start
        getattr(request, "from").CopyFrom(start)
        return request

    def _remember(self, position: event_pb2.Position) -> None:
        if position.token:
            self.position = position

    def _handle(self, message: event_store_pb2.SubscribeAllResponse) -> event_pb2.RecordedEvent | None:
        kind = message.WhichOneof("content")
        if kind == "event":
            self._remember(message.event.position)
            return message.event
        if kind == "caught_up":
            self._remember(message.caught_up.position)
            self.caught_up.set()
        elif kind == "checkpoint":
            self._remember(message.checkpoint.position)
        return None


class StreamSubscription(ResumingStream[event_pb2.RecordedEvent]):
    """SubscribeStream that resumes after the last revision delivered
    (``last_revision``; ``None`` before the first event)."""

    def __init__(
        self,
        method: Callable[..., Any],
        request: event_store_pb2.SubscribeStreamRequest,
        *,
        after_revision: int | None,
        from_end: bool,
        read_last: Callable[[str], Awaitable[int | None]],
        policy: RetryPolicy,
    ) -> None:
        super().__init__(method, policy)
        self._template = request
        self._from_end = from_end and after_revision is None
        self._read_last = read_last
        self.last_revision = after_revision

    async def _prepare(self) -> None:
        # "From the end" becomes "after the current last revision", so a
        # reconnect before the first event still misses nothing.
        if self._from_end:
            self.last_revision = await self._read_last(self._template.stream_id)

    def _request(self) -> event_store_pb2.SubscribeStreamRequest:
        request = event_store_pb2.SubscribeStreamRequest()
        request.CopyFrom(self._template)
        start = getattr(request, "from")
        if self.last_revision is not None:
            start.after_revision = self.last_revision
        else:
            start.start.CopyFrom(empty_pb2.Empty())
        return request

    def _handle(self, message: event_store_pb2.SubscribeStreamResponse) -> event_pb2.RecordedEvent | None:
        kind = message.WhichOneof("content")
        if kind == "event":
            self.last_revision = message.event.stream_revision
            return message.event
        if kind == "caught_up":
            self.caught_up.set()
        return None


class _Watch(ResumingStream[query_pb2.WatchEvent]):
    """A watch that resumes after the last ``watch_position`` (``position``).

    Yields WatchEvents: Current documents, Live (end of the snapshot;
    ``caught_up`` is then set), Change, and Reset (forget the documents you
    hold; a new snapshot and Live follow). The Live the server sends again
    on every resume is not passed on."""

    def __init__(self, method: Callable[..., Any], request: Any, *, resume_after: str | None, policy: RetryPolicy):
        super().__init__(method, policy)
        self._template = request
        self.position: str = resume_after or ""
        self._in_snapshot = not self.position

    def _request(self) -> Any:
        request = type(self._template)()
        request.CopyFrom(self._template)
        request.resume_after = self.position
        return request

    def _handle(self, message: Any) -> query_pb2.WatchEvent | None:
        watch_event = message.event
        if watch_event.watch_position:
            self.position = watch_event.watch_position
        kind = watch_event.WhichOneof("kind")
        if kind == "reset":
            self._in_snapshot = True
        elif kind == "live":
            self.caught_up.set()
            # A resumed watch is told "live" again; only the end of a
            # snapshot means something to the consumer.
            if not self._in_snapshot:
                return None
            self._in_snapshot = False
        return watch_event


class DocumentWatch(_Watch):
    """WatchDocuments that resumes after the last watch position."""


class QueryWatch(_Watch):
    """WatchQuery that resumes after the last watch position."""
