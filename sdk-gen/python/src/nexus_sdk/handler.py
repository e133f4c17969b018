"""Remote command handlers: decide commands for Nexus from a Python process.

A :class:`Handler` holds an aggregate's model: its ``initial`` state, an
``evolve(state, event_type, data) -> state`` fold, and one ``decide``
function per command type. :meth:`Handler.run` connects to
``HandlerService.Serve``, registers, and answers every decide request:
it folds the aggregate's events into the state, calls the command's
decide function, and sends back the events it returns, or a rejection when
it raises :class:`Rejected`. It sends heartbeats, handles up to
``max_in_flight`` requests at once, and reconnects with backoff when the
stream breaks; cancel the task to stop it.

    inventory = Handler("inventory-item", initial={"stock": 0},
                        event_types=["StockAdded"], evolve=evolve)

    @inventory.command("AddStock")
    def add_stock(state, command):
        return [("StockAdded", {"quantity": command["quantity"]})]

    asyncio.run(inventory.run("127.0.0.1:50051"))
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import grpc
import grpc.aio
from google.protobuf import struct_pb2

from nexus.v1 import handler_pb2, handler_pb2_grpc

from .errors import NexusError
from .retry import RetryPolicy

__all__ = ["DEFAULT_HANDLER_RECONNECT", "HANDLER_ERROR", "Handler", "Rejected"]

log = logging.getLogger("nexus_sdk.handler")

#: The rejection reason sent when a decide function raises anything but
#: :class:`Rejected` (the exception is logged).
HANDLER_ERROR = "HANDLER_ERROR"
#: Reconnects of :meth:`Handler.run`: unbounded, 0.2 s .. 5 s, counted per
#: outage (a successful registration resets the count).
DEFAULT_HANDLER_RECONNECT = RetryPolicy(max_attempts=None, initial_backoff=0.2, max_backoff=5.0)

# Errors that another attempt will not fix: run() raises them. Everything
# else (UNAVAILABLE, a dropped instance, a server restart, the server ending
# the stream) makes it reconnect.
_FATAL = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.UNIMPLEMENTED,
}


class Rejected(Exception):
    """Raise it in a decide function to refuse the command by a business
    rule. The caller of Execute gets FAILED_PRECONDITION with an ErrorInfo
    of ``reason`` (UPPER_SNAKE_CASE) and ``metadata`` (values become
    strings)."""

    def __init__(self, reason: str, message: str = "", **metadata: Any) -> None:
        self.reason = reason
        self.message = message or reason
        self.metadata = {k: str(v) for k, v in metadata.items()}
        super().__init__(f"{reason}: {self.message}")


Event = tuple  # (event_type, data)
Decide = Callable[..., Any]


class Handler:
    """A remote command handler for one aggregate type.

    Args:
        aggregate_type: for example ``"inventory-item"`` (not one an
            in-process handler serves).
        event_types: every event type the decide functions may return (the
            server refuses others; each needs a schema).
        initial: the state of a new aggregate; a callable is called for
            each request, anything else is deep-copied.
        evolve: ``evolve(state, event_type, data) -> state``, the fold;
            ``data`` is the event's decoded JSON. Also settable with
            ``@handler.evolver``. Without it the state stays ``initial``.
        name: the instance name for the server's logs (default: the
            server's).
        max_in_flight: how many requests the instance takes at once.

    A decide function is ``decide(state, command)`` or
    ``decide(state, command, request)`` (``command``: the payload as a
    dict with whole numbers as ints; ``request``: the
    ``nexus.v1.DecideRequest``), sync or async. It returns the events:
    ``None`` or ``[]`` (nothing happens), one ``(event_type, data)`` pair,
    or a list of them; or raises :class:`Rejected`. Any other exception is
    logged and answered with a rejection of reason ``HANDLER_ERROR``.
    Decide functions run on the event loop: keep them quick.
    """

    def __init__(
        self,
        aggregate_type: str,
        *,
        event_types: Iterable[str],
        initial: Any = None,
        evolve: Callable[[Any, str, Any], Any] | None = None,
        name: str | None = None,
        max_in_flight: int = 16,
    ) -> None:
        self.aggregate_type = aggregate_type
        self.event_types = list(event_types)
        self.initial = initial
        self._evolve = evolve
        self.name = name
        self.max_in_flight = max_in_flight
        self._commands: dict[str, tuple[Decide, bool]] = {}
        #: The current instance id (None while not registered).
        self.instance_id: str | None = None
        #: How many times an instance registered (1 + reconnects).
        self.registrations = 0
        #: How many decide requests this object has answered.
        self.handled = 0

    # -- the model ---------------------------------------------------------

    def command(self, command_type: str) -> Callable[[Decide], Decide]:
        """Decorator: the decide function of ``command_type``."""

        def register(fn: Decide) -> Decide:
            self._commands[command_type] = (fn, _takes_request(fn))
            return fn

        return register

    def evolver(self, fn: Callable[[Any, str, Any], Any]) -> Callable[[Any, str, Any], Any]:
        """Decorator: the ``evolve(state, event_type, data) -> state`` fold."""
        self._evolve = fn
        return fn

    @property
    def command_types(self) -> list[str]:
        return list(self._commands)

    def fold(self, events: Iterable[Any]) -> Any:
        """The state after ``events`` (RecordedEvents, or (type, data) pairs)."""
        state = self.initial() if callable(self.initial) else copy.deepcopy(self.initial)
        for e in events:
            if isinstance(e, tuple):
                event_type, data = e
            else:
                event_type, data = e.event_type, (json.loads(e.data) if e.data else None)
            if self._evolve is not None:
                state = self._evolve(state, event_type, data)
        return state

    async def decide(self, request: handler_pb2.DecideRequest) -> handler_pb2.DecideResult:
        """Answers one DecideRequest (what :meth:`run` does for each)."""
        result = handler_pb2.DecideResult(request_id=request.request_id)
        entry = self._commands.get(request.command_type)
        try:
            if entry is None:
                raise Rejected("UNKNOWN_COMMAND", f"no decide function for {request.command_type!r}")
            fn, takes_request = entry
            state = self.fold(request.events)
            command = _to_dict(request.payload)
            outcome = fn(state, command, request) if takes_request else fn(state, command)
            if inspect.isawaitable(outcome):
                outcome = await outcome
            for event_type, data in _events(outcome):
                if event_type not in self.event_types:
                    raise ValueError(f"event type {event_type!r} is not among the registered {self.event_types}")
                decided = result.events.events.add(event_type=event_type)
                decided.data.update(data or {})
            result.events.SetInParent()  # an empty list still means "events"
        except Rejected as rejected:
            result.ClearField("events")
            result.rejection.reason = rejected.reason
            result.rejection.message = rejected.message
            result.rejection.metadata.update(rejected.metadata)
        except Exception as error:  # noqa: BLE001 - answered, and logged
            log.exception(
                "%s %s/%s (request %s) failed",
                request.command_type, request.aggregate_type, request.aggregate_id, request.request_id,
            )  # fmt: skip
            result.ClearField("events")
            result.rejection.reason = HANDLER_ERROR
            result.rejection.message = f"{type(error).__name__}: {error}"[:1000]
            result.rejection.metadata["exception"] = type(error).__name__
        return result

    # -- the connection --------------------------------------------------

    async def run(
        self,
        client_or_address: Any,
        *,
        name: str | None = None,
        max_in_flight: int | None = None,
        reconnect: RetryPolicy = DEFAULT_HANDLER_RECONNECT,
        **connect_kwargs: Any,
    ) -> None:
        """Serves decide requests until cancelled.

        ``client_or_address`` is a :class:`nexus_sdk.Client` (its channel,
        TLS and token are used) or a target for :func:`nexus_sdk.connect`
        (with ``connect_kwargs``; the client is closed at the end). When the
        stream breaks or the server ends it, reconnects with ``reconnect``
        backoff and registers again; raises :class:`NexusError` when the
        registration is refused (INVALID_ARGUMENT, FAILED_PRECONDITION,
        PERMISSION_DENIED, UNAUTHENTICATED, ...) or ``reconnect`` runs out.
        """
        from .client import Client, connect  # noqa: PLC0415 - avoid an import cycle

        if not self._commands:
            raise ValueError("the handler has no command: add one with @handler.command(...)")
        own = not isinstance(client_or_address, Client)
        client = connect(client_or_address, **connect_kwargs) if own else client_or_address
        registration = handler_pb2.HandlerRegistration(
            aggregate_type=self.aggregate_type,
            command_types=self.command_types,
            event_types=self.event_types,
            instance_name=name or self.name or "",
            max_in_flight=max_in_flight or self.max_in_flight,
        )
        stub = handler_pb2_grpc.HandlerServiceStub(client.channel)
        try:
            attempt = 0
            while True:
                registered = False
                try:
                    async for _ in self._session(stub, registration):
                        registered, attempt = True, 0
                    error: NexusError | None = None
                    log.warning("the server ended the handler stream; reconnecting")
                except grpc.aio.AioRpcError as rpc_error:
                    error = NexusError.from_rpc_error(rpc_error)
                    if error.code in _FATAL:
                        raise error from None
                    log.warning("handler stream failed (%s); reconnecting", error)
                except _SilentServer as silent:
                    error = None
                    log.warning("%s; reconnecting", silent)
                finally:
                    self.instance_id = None
                attempt += 1
                if not registered and reconnect.exhausted(attempt):
                    raise error or NexusError(grpc.StatusCode.UNAVAILABLE, "the handler stream keeps ending")
                await asyncio.sleep(reconnect.delay(attempt, error))
        finally:
            if own:
                await client.close()

    async def _session(self, stub: Any, registration: handler_pb2.HandlerRegistration):
        """One Serve stream; yields once when registered."""
        call = stub.Serve()
        outbox: asyncio.Queue = asyncio.Queue()
        tasks: set[asyncio.Task] = set()
        writer: asyncio.Task | None = None
        limit = asyncio.Semaphore(registration.max_in_flight or 16)
        try:
            try:
                await call.write(handler_pb2.ServeRequest(register=registration))
            except asyncio.InvalidStateError:
                pass  # the call already ended: the read says how
            first = await call.read()
            if first is grpc.aio.EOF:
                return
            if first.WhichOneof("message") != "registered":
                raise _SilentServer(f"the server answered the registration with {first.WhichOneof('message')}")
            interval = max(first.registered.heartbeat_interval_millis or 5000, 50) / 1000.0
            self.instance_id = first.registered.instance_id
            self.registrations += 1
            log.info(
                "registered %s as instance %s (%s), heartbeat every %.1f s",
                registration.aggregate_type, self.instance_id, registration.instance_name or "-", interval,
            )  # fmt: skip
            writer = asyncio.create_task(_write(call, outbox, interval / 3))
            yield
            while True:
                read = asyncio.ensure_future(call.read())
                done, _ = await asyncio.wait({read, writer}, timeout=3 * interval, return_when=asyncio.FIRST_COMPLETED)
                if writer in done and read not in done:
                    # A failed write: the read tells how the call ended.
                    if isinstance(writer.exception(), grpc.aio.AioRpcError):
                        read.cancel()
                        writer.result()
                    done, _ = await asyncio.wait({read}, timeout=interval)
                    if not done or read.result() is not grpc.aio.EOF:
                        read.cancel()
                        raise _SilentServer(f"writing to the handler stream failed: {writer.exception()!r}")
                if not done:
                    read.cancel()
                    raise _SilentServer(f"no message from the server for {3 * interval:.1f} s")
                message = read.result()
                if message is grpc.aio.EOF:
                    return
                if message.WhichOneof("message") == "decide":
                    task = asyncio.create_task(self._answer(message.decide, outbox, limit))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
        finally:
            # Requests in flight are lost with the stream; the server sends
            # them to another instance.
            for task in [*tasks, writer]:
                if task is not None:
                    task.cancel()
            call.cancel()

    async def _answer(self, request: handler_pb2.DecideRequest, outbox: asyncio.Queue, limit: asyncio.Semaphore):
        async with limit:
            result = await self.decide(request)
        self.handled += 1
        kind = result.WhichOneof("outcome")
        log.debug(
            "instance %s decided %s %s/%s (command %s, request %s): %s",
            self.instance_id, request.command_type, request.aggregate_type, request.aggregate_id,
            request.command_id, request.request_id,
            f"{len(result.events.events)} events" if kind == "events" else f"rejected {result.rejection.reason}",
        )  # fmt: skip
        outbox.put_nowait(handler_pb2.ServeRequest(result=result))


class _SilentServer(Exception):
    """The stream looks dead: reconnect."""


async def _write(call: Any, outbox: asyncio.Queue, every: float) -> None:
    """The only writer of the stream: results as they come, a heartbeat
    when nothing was sent for ``every`` seconds."""
    heartbeat = handler_pb2.ServeRequest(heartbeat=handler_pb2.Heartbeat())
    while True:
        try:
            message = await asyncio.wait_for(outbox.get(), every)
        except asyncio.TimeoutError:
            message = heartbeat
        await call.write(message)


def _events(outcome: Any) -> list[tuple[str, Mapping[str, Any] | None]]:
    if outcome is None:
        return []
    if isinstance(outcome, tuple) and len(outcome) == 2 and isinstance(outcome[0], str):
        return [outcome]
    return [tuple(e) for e in outcome]


def _takes_request(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return True
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params) >= 3


def _to_dict(payload: struct_pb2.Struct) -> dict:
    from . import to_dict  # noqa: PLC0415 - defined in the package root

    return to_dict(payload)
