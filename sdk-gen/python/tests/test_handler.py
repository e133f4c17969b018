"""Remote command handlers (nexus_sdk.Handler) against a real nexus server:
the inventory example (examples/inventory/handler.py) as separate processes,
and handlers inside the test process."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import json
import re
import uuid

import grpc
import pytest

from conftest import run
from nexus_sdk import NO_RETRY, Handler, NexusError, Rejected, RetryPolicy, connect, event_data

ITEM = "inventory-item"
WAIT = 30.0  # upper bound of every wait
# Outlasts an instance's drop (the server notices a dead stream, or three
# missed heartbeats) and the next instance taking over.
RETRIED: collections.Counter = collections.Counter()  # retried errors, by reason or code


@dataclasses.dataclass(frozen=True)
class CountingRetry(RetryPolicy):
    def delay(self, attempt: int, error: NexusError | None = None) -> float:
        if error is not None:
            RETRIED[error.reason or error.code.name] += 1
        return super().delay(attempt, error)


PATIENT = CountingRetry(max_attempts=15, initial_backoff=0.1, max_backoff=2.0)


def new_item() -> str:
    return "py-" + uuid.uuid4().hex[:16]


def decided(handler) -> list[str]:
    """The command ids an instance decided (its -v log lines)."""
    return re.findall(r" decided \S+ \S+ \(command (\S+), request", handler.log())


def types(events) -> list[str]:
    return [e.event_type for e in events]


def assert_ints(data: dict) -> None:
    """Whole numbers are stored as JSON integers (not 10.0)."""
    for key, value in data.items():
        assert not isinstance(value, float), f"{key}={value!r} stored as a float in {data}"


async def read(client, stream_id: str) -> list:
    return [e async for e in client.iter_stream(stream_id)]


def test_inventory_end_to_end(own_server, start_handler):
    handler = start_handler(own_server.target, "inv-a", args=["-v"])

    async def body():
        async with connect(own_server.target) as client:
            item = new_item()
            added = await client.execute(ITEM, item, "AddStock", {"quantity": 10})
            assert added.stream_id == f"{ITEM}-{item}"
            assert types(added.events) == ["StockAdded"] and added.revision == 0
            assert event_data(added.events[0]) == {"quantity": 10, "available": 10}
            assert_ints(event_data(added.events[0]))

            reserved = await client.execute(ITEM, item, "Reserve", {"reservation_id": "r1", "quantity": 3})
            assert types(reserved.events) == ["StockReserved"] and reserved.revision == 1
            assert event_data(reserved.events[0]) == {"reservation_id": "r1", "quantity": 3, "available": 7}

            # The same reservation again (a new command): nothing happens.
            again = await client.execute(ITEM, item, "Reserve", {"reservation_id": "r1", "quantity": 3})
            assert list(again.events) == [] and not again.already_executed

            with pytest.raises(NexusError) as caught:
                await client.execute(ITEM, item, "Reserve", {"reservation_id": "r2", "quantity": 8})
            err = caught.value
            assert err.code == grpc.StatusCode.FAILED_PRECONDITION, err
            assert err.reason == "INSUFFICIENT_STOCK", err
            assert err.metadata == {"available": "7", "requested": "8"}, err
            assert "cannot reserve 8" in err.message, err

            released = await client.execute(ITEM, item, "Release", {"reservation_id": "r1"}, command_id=f"rel-{item}")
            assert types(released.events) == ["ReservationReleased"] and released.revision == 2
            assert event_data(released.events[0]) == {"reservation_id": "r1", "quantity": 3, "available": 10}
            # The same command id again: answered from the first execution.
            repeat = await client.execute(ITEM, item, "Release", {"reservation_id": "r1"}, command_id=f"rel-{item}")
            assert repeat.already_executed
            assert [e.event_id for e in repeat.events] == [e.event_id for e in released.events]

            with pytest.raises(NexusError) as caught:
                await client.execute(ITEM, item, "Release", {"reservation_id": "nope"})
            assert caught.value.reason == "RESERVATION_NOT_FOUND", caught.value

            stream = await read(client, f"{ITEM}-{item}")
            assert types(stream) == ["StockAdded", "StockReserved", "ReservationReleased"]
            assert [e.stream_revision for e in stream] == [0, 1, 2]
            assert [event_data(e) for e in stream] == [
                {"quantity": 10, "available": 10},
                {"reservation_id": "r1", "quantity": 3, "available": 7},
                {"reservation_id": "r1", "quantity": 3, "available": 10},
            ]
            for e in stream:
                assert_ints(event_data(e))

            # A command type the handler did not register.
            with pytest.raises(NexusError) as caught:
                await client.execute(ITEM, item, "Teleport", {"to": "mars"})
            assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT, caught.value
            assert caught.value.reason == "UNKNOWN_COMMAND_TYPE", caught.value
            assert caught.value.metadata["valid_command_types"] == "AddStock,Release,Reserve", caught.value
            return added, reserved, released

    added, reserved, released = run(body())
    ids = decided(handler)
    for response in (added, reserved, released):
        assert response.command_id in ids, f"{response.command_id} not in the handler's log"


def test_two_instances_share_the_load(own_server, start_handler):
    # The server sends a request to the instance with the fewest in flight
    # (the first registered on a tie): with room for two requests each, eight
    # concurrent commands must overflow to the second.
    a = start_handler(own_server.target, "inv-a", args=["-v", "--max-in-flight", "2"])
    b = start_handler(own_server.target, "inv-b", args=["-v", "--max-in-flight", "2"])
    items = [new_item() for _ in range(10)]
    total = 80

    async def body():
        async with connect(own_server.target) as client:
            limit = asyncio.Semaphore(8)

            async def add(k: int):
                async with limit:
                    return await client.execute(ITEM, items[k % len(items)], "AddStock", {"quantity": 1}, retry=PATIENT)

            results = await asyncio.gather(*(add(k) for k in range(total)))
            assert all(types(r.events) == ["StockAdded"] for r in results)
            for item in items:
                stream = await read(client, f"{ITEM}-{item}")
                assert [event_data(e)["available"] for e in stream] == list(range(1, total // len(items) + 1))
            return {r.command_id for r in results}

    command_ids = run(body())
    by_a, by_b = set(decided(a)), set(decided(b))
    assert by_a and by_b, f"one instance handled everything: inv-a {len(by_a)}, inv-b {len(by_b)}"
    assert command_ids <= by_a | by_b


def test_kill_an_instance_under_load(own_server, start_handler):
    a = start_handler(own_server.target, "inv-a", args=["-v"])
    b = start_handler(own_server.target, "inv-b", args=["-v"])
    items = [new_item() for _ in range(20)]
    stock, total = 15, 200
    commands = [(f"cmd-{uuid.uuid4()}", items[k % len(items)], f"res-{k}-{uuid.uuid4().hex[:8]}") for k in range(total)]

    async def body():
        RETRIED.clear()
        async with connect(own_server.target) as client:
            for item in items:
                await client.execute(ITEM, item, "AddStock", {"quantity": stock}, retry=PATIENT)
            limit = asyncio.Semaphore(8)
            done = 0
            killed = asyncio.Event()

            async def reserve(command_id: str, item: str, reservation: str):
                nonlocal done
                async with limit:
                    response = await client.execute(
                        ITEM, item, "Reserve", {"reservation_id": reservation, "quantity": 1},
                        # timeout: above the server's decide timeout (10 s),
                        # which a request held by the frozen instance may wait.
                        command_id=command_id, retry=PATIENT, timeout=WAIT,
                    )  # fmt: skip
                done += 1
                # Freeze inv-a at a third, so that it holds requests when
                # it is killed a little later.
                if done == total // 3:
                    a.pause()
                if done >= total // 3 + 20 and not killed.is_set():
                    killed.set()
                    a.kill()
                return response

            responses = await asyncio.gather(*(reserve(*c) for c in commands))
            assert killed.is_set()
            streams = {item: await read(client, f"{ITEM}-{item}") for item in items}
            return responses, streams

    responses, streams = run(body())

    # Every command succeeded: one StockReserved for its reservation.
    for (command_id, item, reservation), response in zip(commands, responses):
        assert response.command_id == command_id
        assert types(response.events) == ["StockReserved"], (command_id, response)
        assert event_data(response.events[0])["reservation_id"] == reservation
        assert response.stream_id == f"{ITEM}-{item}"

    # ... exactly once in the streams, with the stock adding up.
    seen = collections.Counter()
    event_ids = []
    for item, stream in streams.items():
        event_ids += [e.event_id for e in stream]
        assert [e.stream_revision for e in stream] == list(range(len(stream)))
        assert types(stream)[0] == "StockAdded" and set(types(stream)[1:]) == {"StockReserved"}, types(stream)
        expected = {res for _, it, res in commands if it == item}
        got = [event_data(e)["reservation_id"] for e in stream[1:]]
        seen.update(got)
        assert set(got) == expected
        assert [event_data(e)["available"] for e in stream] == list(range(stock, stock - len(stream), -1))
    assert all(count == 1 for count in seen.values()), [r for r, n in seen.items() if n > 1]
    assert sum(seen.values()) == total
    assert len(event_ids) == len(set(event_ids)), "duplicate event ids"

    # Both instances decided some; the survivor took over after the kill.
    by_a, by_b = set(decided(a)), set(decided(b))
    assert by_a and by_b, (len(by_a), len(by_b))
    assert {c for c, _, _ in commands} <= by_a | by_b
    log = own_server.log_tail(100000)
    print(f"\ninv-a decided {len(by_a)}, inv-b {len(by_b)}; failovers: {log.count('left mid-request')}, "
          f"retries: {dict(RETRIED)}")


def test_no_instance_then_one(own_server, start_handler):
    """Without an instance the command fails UNAVAILABLE (retryable); a
    client retrying with the same command id succeeds once one connects."""
    a = start_handler(own_server.target, "inv-a")
    item = new_item()

    async def body():
        async with connect(own_server.target) as client:
            await client.execute(ITEM, item, "AddStock", {"quantity": 5})
            a.kill()
            # The server waits up to its decide timeout (10 s) for an
            # instance: longer than the client's default deadline.
            with pytest.raises(NexusError) as caught:
                await client.execute(
                    ITEM, item, "Reserve", {"reservation_id": "r1", "quantity": 1}, retry=NO_RETRY, timeout=WAIT
                )  # fmt: skip
            assert caught.value.code == grpc.StatusCode.UNAVAILABLE, caught.value
            assert caught.value.retry_delay is not None, caught.value

            RETRIED.clear()
            pending = asyncio.create_task(
                client.execute(ITEM, item, "Reserve", {"reservation_id": "r2", "quantity": 2},
                               command_id=f"late-{item}", retry=PATIENT, timeout=WAIT)
            )  # fmt: skip
            await asyncio.sleep(0.5)
            await asyncio.to_thread(start_handler, own_server.target, "inv-b")
            late = await asyncio.wait_for(pending, WAIT)
            assert event_data(late.events[0]) == {"reservation_id": "r2", "quantity": 2, "available": 3}
            stream = await read(client, f"{ITEM}-{item}")
            assert types(stream) == ["StockAdded", "StockReserved"]

    run(body())


def test_handler_in_process(own_server):
    """The helper inside this process: a decide error answers HANDLER_ERROR,
    an async decide gets the request, the handler reconnects after a server
    restart, a refused registration raises, and cancelling stops it."""
    gadget = f"py-gadget-{uuid.uuid4().hex[:8]}"
    handler = Handler(gadget, event_types=["StockAdded"], initial=lambda: {"available": 0}, name="inline")

    @handler.evolver
    def evolve(state, event_type, data):
        return {"available": data["available"]}

    @handler.command("Add")
    def add(state, command):
        return [("StockAdded", {"quantity": command["quantity"], "available": state["available"] + command["quantity"]})]

    @handler.command("Check")
    async def check(state, command, request):
        await asyncio.sleep(0)
        if request.command_id != command["expect_command_id"]:
            raise Rejected("WRONG_REQUEST", "the request is not this command's", got=request.command_id)
        return None

    @handler.command("Bad")
    def bad(state, command):
        return [("StockAdded", {"quantity": -1, "available": state["available"]})]

    @handler.command("Boom")
    def boom(state, command):
        return {"not": "events"}["missing"]

    async def registered(times: int) -> str:
        async def wait():
            while handler.instance_id is None or handler.registrations < times:
                if task.done():
                    task.result()
                await asyncio.sleep(0.05)
            return handler.instance_id

        return await asyncio.wait_for(wait(), WAIT)

    async def body():
        nonlocal task
        async with connect(own_server.target) as client:
            task = asyncio.create_task(handler.run(client))
            await registered(1)
            item = new_item()
            added = await client.execute(gadget, item, "Add", {"quantity": 4})
            assert event_data(added.events[0]) == {"quantity": 4, "available": 4}
            checked = await client.execute(gadget, item, "Check", {"expect_command_id": "c-1"}, command_id="c-1")
            assert list(checked.events) == []
            with pytest.raises(NexusError) as caught:
                await client.execute(gadget, item, "Boom", {})
            assert caught.value.code == grpc.StatusCode.FAILED_PRECONDITION, caught.value
            assert caught.value.reason == "HANDLER_ERROR", caught.value
            assert caught.value.metadata.get("exception") == "KeyError", caught.value

            # Events that break their schema are refused like any others.
            with pytest.raises(NexusError) as caught:
                await client.execute(gadget, item, "Bad", {})
            assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT, caught.value
            assert caught.value.reason == "SCHEMA_VIOLATION", caught.value
            assert any(v.field == "events[0].data/quantity" for v in caught.value.field_violations), caught.value

            # Restart the server under the running handler: it registers again.
            await asyncio.to_thread(own_server.restart)
            await registered(2)
            more = await client.execute(gadget, item, "Add", {"quantity": 1}, retry=PATIENT)
            assert event_data(more.events[0]) == {"quantity": 1, "available": 5}

            # An aggregate type served in the server cannot be registered.
            account = Handler("account", event_types=["MoneyDeposited"])
            account.command("DepositMoney")(lambda state, command: None)
            with pytest.raises(NexusError) as caught:
                await asyncio.wait_for(account.run(client), WAIT)
            assert caught.value.code not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.OK), caught.value

            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(task, WAIT)
            assert handler.handled >= 4

    task = None
    run(body())


def test_decide_without_a_server():
    """Handler.decide maps outcomes to DecideResults (no server needed)."""
    from nexus.v1 import handler_pb2

    handler = Handler("thing", event_types=["StockAdded"], initial={"n": 0})
    handler.evolver(lambda state, event_type, data: {"n": state["n"] + data["quantity"]})
    handler.command("One")(lambda state, command: ("StockAdded", {"quantity": state["n"]}))
    handler.command("None")(lambda state, command: None)
    handler.command("No")(lambda state, command: (_ for _ in ()).throw(Rejected("NOPE", "no", n=state["n"])))
    handler.command("Wrong")(lambda state, command: [("Other", {})])

    def request(command_type: str) -> handler_pb2.DecideRequest:
        req = handler_pb2.DecideRequest(request_id="r", command_type=command_type)
        req.events.add(event_type="StockAdded", data=json.dumps({"quantity": 2}).encode())
        return req

    one = asyncio.run(handler.decide(request("One")))
    assert one.request_id == "r" and one.events.events[0].event_type == "StockAdded"
    assert one.events.events[0].data["quantity"] == 2
    none = asyncio.run(handler.decide(request("None")))
    assert none.WhichOneof("outcome") == "events" and len(none.events.events) == 0
    no = asyncio.run(handler.decide(request("No")))
    assert (no.rejection.reason, no.rejection.message, dict(no.rejection.metadata)) == ("NOPE", "no", {"n": "2"})
    wrong = asyncio.run(handler.decide(request("Wrong")))
    assert wrong.rejection.reason == "HANDLER_ERROR" and "Other" in wrong.rejection.message
    unknown = asyncio.run(handler.decide(request("Missing")))
    assert unknown.rejection.reason == "UNKNOWN_COMMAND"
    assert handler.initial == {"n": 0}  # folded on a copy
