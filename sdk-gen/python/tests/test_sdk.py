"""The SDK against a real nexus server (see conftest.py)."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest

from conftest import run
from nexus_sdk import NexusError, RetryPolicy, connect, event, event_data, to_dict

WAIT = 30.0  # upper bound of every wait for a stream to deliver


def new_account() -> str:
    return "py-" + uuid.uuid4().hex[:16]


class Collector:
    """Drains an async iterator into a list in a background task."""

    def __init__(self, stream, keep=lambda item: True):
        self.stream = stream
        self.items: list = []
        self._changed = asyncio.Event()
        self._keep = keep
        self.task = asyncio.create_task(self._drain())

    async def _drain(self):
        async for item in self.stream:
            if self._keep(item):
                self.items.append(item)
                self._changed.set()

    async def until(self, predicate, what: str):
        async def wait():
            while not predicate(self.items):
                if self.task.done():
                    self.task.result()  # raises the stream's error
                    raise AssertionError(f"the stream ended before {what}")
                self._changed.clear()
                waiter = asyncio.create_task(self._changed.wait())
                await asyncio.wait({waiter, self.task}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()

        try:
            await asyncio.wait_for(wait(), WAIT)
        except asyncio.TimeoutError:
            raise AssertionError(f"timed out waiting for {what}; got {len(self.items)} items") from None

    async def stop(self):
        self.stream.close()
        try:
            await asyncio.wait_for(self.task, WAIT)
        except asyncio.CancelledError:
            pass


def test_execute_and_idempotent_retry(server):
    async def main():
        acc = new_account()
        async with connect(server.target) as client:
            opened = await client.execute("account", acc, "OpenAccount", {"owner": "Alice", "initial_deposit": 100})
            assert opened.stream_id == f"account-{acc}"
            assert opened.revision == 0 and not opened.already_executed
            assert opened.command_id, "the client fills a command id"
            assert [e.event_type for e in opened.events] == ["AccountOpened"]
            assert event_data(opened.events[0]) == {"owner": "Alice", "currency": "EUR", "initial_deposit": 100}

            command_id = str(uuid.uuid4())
            deposit = await client.execute(
                "account", acc, "DepositMoney", {"amount": 50}, command_id=command_id, correlation_id="flow-1"
            )
            assert deposit.revision == 1 and deposit.command_id == command_id
            assert event_data(deposit.events[0]) == {"amount": 50, "balance": 150}
            assert deposit.correlation_id == "flow-1"
            assert deposit.events[0].metadata.correlation_id == "flow-1"
            assert deposit.events[0].metadata.causation_id == command_id

            again = await client.execute("account", acc, "DepositMoney", {"amount": 50}, command_id=command_id)
            assert again.already_executed
            assert again.revision == 1
            assert [e.event_id for e in again.events] == [e.event_id for e in deposit.events]

            # caused_by: correlation carried on, causation = the causing event.
            withdraw = await client.execute("account", acc, "WithdrawMoney", {"amount": 30}, caused_by=deposit.events[0])
            meta = withdraw.events[0].metadata
            assert meta.correlation_id == "flow-1"
            assert meta.causation_id == deposit.events[0].event_id

            page = await client.read_stream(f"account-{acc}")
            assert page.current_revision == 2
            assert [e.event_type for e in page.events] == ["AccountOpened", "MoneyDeposited", "MoneyWithdrawn"]

    run(main())


def test_read_stream_and_all(server):
    async def main():
        acc = new_account()
        stream = f"account-{acc}"
        async with connect(server.target) as client:
            await client.execute("account", acc, "OpenAccount", {"owner": "Bob", "currency": "USD"})
            for amount in (10, 20, 30):
                await client.execute("account", acc, "DepositMoney", {"amount": amount})
            await client.execute("account", acc, "WithdrawMoney", {"amount": 15})

            events = [e async for e in client.iter_stream(stream, page_size=2)]  # three pages
            assert [e.event_type for e in events] == [
                "AccountOpened", "MoneyDeposited", "MoneyDeposited", "MoneyDeposited", "MoneyWithdrawn",
            ]  # fmt: skip
            assert [e.stream_revision for e in events] == [0, 1, 2, 3, 4]
            assert all(e.stream_id == stream for e in events)
            assert [event_data(e) for e in events] == [
                {"owner": "Bob", "currency": "USD", "initial_deposit": 0},
                {"amount": 10, "balance": 10},
                {"amount": 20, "balance": 30},
                {"amount": 30, "balance": 60},
                {"amount": 15, "balance": 45},
            ]
            positions = [e.position.global_position for e in events]
            assert positions == sorted(positions) and len(set(positions)) == 5

            last = await client.read_stream(stream, backwards=True, page_size=1)
            assert [e.stream_revision for e in last.events] == [4]

            # The global log, filtered to this stream, paged by token.
            seen, after = [], None
            while True:
                page = await client.read_all(after=after, page_size=2, stream_prefixes=[stream])
                seen += [e.event_id for e in page.events]
                if page.end_of_log:
                    break
                after = page.next_position.token
            assert seen == [e.event_id for e in events]

    run(main())


def test_subscriptions_and_watch_survive_restarts(own_server):
    server = own_server

    async def main():
        acc = new_account()
        stream = f"account-{acc}"
        async with connect(server.target) as client:
            await client.execute("account", acc, "OpenAccount", {"owner": "Carol", "initial_deposit": 5})
            await client.execute("account", acc, "DepositMoney", {"amount": 1})
            await client.execute("account", acc, "DepositMoney", {"amount": 2})

            all_sub = Collector(client.subscribe_all(stream_prefixes=[stream], heartbeat=0.2))
            stream_sub = Collector(client.subscribe_stream(stream))
            watch = Collector(client.watch_documents("account-balance", [stream]))
            for sub in (all_sub, stream_sub):
                await sub.until(lambda items: len(items) >= 3, "the history")
            balance = 8

            def have_balance(expected):
                return lambda items: any(
                    w.WhichOneof("kind") in ("current", "change")
                    and to_dict(getattr(w, w.WhichOneof("kind")).document.body).get("balance") == expected
                    for w in items
                )

            await watch.until(have_balance(balance), "the watch to show the balance")

            # 1. kill -9 while everything is live, then write after the restart.
            await asyncio.to_thread(server.restart, kill=True)
            for amount in (10, 20):
                await client.execute("account", acc, "DepositMoney", {"amount": amount})
                balance += amount

            # 2. graceful stop; a command sent while it is down is retried
            # until the server is back, and is written once.
            await asyncio.to_thread(server.stop)
            patient = RetryPolicy(max_attempts=200, initial_backoff=0.05, max_backoff=0.5)
            pending = asyncio.create_task(
                client.execute("account", acc, "DepositMoney", {"amount": 100}, retry=patient)
            )
            await asyncio.to_thread(server.start)
            result = await asyncio.wait_for(pending, WAIT)
            assert not result.already_executed
            balance += 100
            await client.execute("account", acc, "WithdrawMoney", {"amount": 3})
            balance -= 3

            written = [e async for e in client.iter_stream(stream)]
            assert len(written) == 7
            for sub in (all_sub, stream_sub):
                await sub.until(lambda items: len(items) >= len(written), "every event after the restarts")
            await watch.until(have_balance(balance), "the watch to show the final balance")
            # Anything extra (a repeat) would have arrived with or before the
            # last event; stop and compare.
            for collector in (all_sub, stream_sub, watch):
                await collector.stop()

            want = [e.event_id for e in written]
            assert [e.event_id for e in all_sub.items] == want
            assert [e.event_id for e in stream_sub.items] == want
            assert [e.stream_revision for e in stream_sub.items] == list(range(7))
            assert all_sub.stream.reconnects >= 2 and stream_sub.stream.reconnects >= 2
            assert watch.stream.reconnects >= 2

            kinds = [w.WhichOneof("kind") for w in watch.items]
            assert "reset" not in kinds, f"the watch was reset instead of resumed: {kinds}"
            assert kinds.count("live") == 1, kinds  # the helper drops the Live of a resume
            versions = [getattr(w, k).document.version for w, k in zip(watch.items, kinds) if k in ("current", "change")]
            assert versions == list(range(versions[0], versions[0] + len(versions))), versions
            assert versions[-1] == 7

    run(main())


def test_watch_projection_document(server):
    async def main():
        acc = new_account()
        stream = f"account-{acc}"
        async with connect(server.target) as client:
            opened = await client.execute("account", acc, "OpenAccount", {"owner": "Dave", "initial_deposit": 100})
            doc = await client.get_document("account-balance", stream, after=opened.events[-1].position)
            assert to_dict(doc.body)["balance"] == 100 and to_dict(doc.body)["owner"] == "Dave"

            watch = Collector(client.watch_documents("account-balance", [stream]))
            await watch.until(lambda items: any(w.HasField("live") for w in items), "the snapshot")
            current = [w.current.document for w in watch.items if w.HasField("current")]
            assert [d.key for d in current] == [stream]
            assert to_dict(current[0].body)["balance"] == 100

            deposit = await client.execute("account", acc, "DepositMoney", {"amount": 25})
            await watch.until(lambda items: any(w.HasField("change") for w in items), "the change")
            await watch.stop()
            change = next(w.change for w in watch.items if w.HasField("change"))
            assert change.key == stream and change.kind == change.KIND_UPSERT
            body = to_dict(change.document.body)
            assert body["balance"] == 125 and body["transactions"] == 1
            assert change.position.token == deposit.events[0].position.token
            assert change.document.version == current[0].version + 1
            assert watch.stream.position, "the watch remembers its resume position"

    run(main())


def test_typed_errors(server):
    async def main():
        acc = new_account()
        stream = f"account-{acc}"
        async with connect(server.target) as client:
            await client.execute("account", acc, "OpenAccount", {"owner": "Eve", "initial_deposit": 10})

            with pytest.raises(NexusError) as caught:
                await client.append(
                    stream, [event("MoneyDeposited", {"amount": 1, "balance": 11})], expected_revision=5
                )
            err = caught.value
            assert err.code == grpc.StatusCode.ABORTED
            assert err.reason == "WRONG_EXPECTED_VERSION" and err.domain == "nexus"
            assert err.metadata["actual_revision"] == "0"
            assert err.retry_delay is None

            with pytest.raises(NexusError) as caught:
                await client.execute("account", acc, "DepositMoney", {"amount": 1}, expected_revision=3)
            assert caught.value.code == grpc.StatusCode.ABORTED
            assert caught.value.reason == "WRONG_EXPECTED_VERSION"

            with pytest.raises(NexusError) as caught:
                await client.append(stream, [event("MoneyDeposited", {"amount": -5, "balance": "lots"})])
            err = caught.value
            assert err.code == grpc.StatusCode.INVALID_ARGUMENT
            assert err.reason == "SCHEMA_VIOLATION"
            assert err.field_violations, err
            assert all(v.field and v.description for v in err.field_violations)

            with pytest.raises(NexusError) as caught:
                await client.execute("account", acc, "WithdrawMoney", {"amount": 1000})
            err = caught.value
            assert err.code == grpc.StatusCode.FAILED_PRECONDITION
            assert err.reason == "INSUFFICIENT_FUNDS"
            assert err.metadata == {"amount": "1000", "balance": "10"}

            with pytest.raises(NexusError) as caught:
                await client.execute("account", acc, "WithdrawMoney", {"amont": 1})
            assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
            assert [v.field for v in caught.value.field_violations] == ["payload.amont"]

            # Nothing of the above was written; a good append still works and
            # gets event ids filled by the client.
            page = await client.read_stream(stream)
            assert page.current_revision == 0
            ok = await client.append(stream, [event("MoneyDeposited", {"amount": 1, "balance": 11})], expected_revision=0)
            assert ok.first_revision == 1 and not ok.already_appended
            page = await client.read_stream(stream, from_revision=1)
            uuid.UUID(page.events[0].event_id)

    run(main())


def test_bearer_token_on_every_call(start_server, nexus_bin, tmp_path):
    import subprocess

    secret = tmp_path / "jwt.secret"
    secret.write_text(uuid.uuid4().hex + uuid.uuid4().hex)
    env = {
        "NEXUS_AUTH__JWT__HS256_SECRET_FILE": str(secret),
        "NEXUS_AUTH__JWT__ISSUER": "nexus-dev",
        "NEXUS_AUTH__JWT__AUDIENCE": "nexus",
    }
    srv = start_server(extra_args=["--auth-mode", "jwt"], env=env)
    token = subprocess.run(
        [nexus_bin, "auth", "token", "--secret-file", str(secret), "--sub", "py-sdk", "--roles", "admin"],
        check=True, capture_output=True, text=True, timeout=30,
    ).stdout.strip()  # fmt: skip

    async def main():
        acc = new_account()
        async with connect(srv.target) as anonymous:
            with pytest.raises(NexusError) as caught:
                await anonymous.execute("account", acc, "OpenAccount", {"owner": "Mallory"})
            assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
        async with connect(srv.target, token=token) as client:
            opened = await client.execute("account", acc, "OpenAccount", {"owner": "Frank"})
            assert opened.events[0].metadata.user_id == "py-sdk"
            # Streams carry the token too.
            sub = Collector(client.subscribe_stream(f"account-{acc}"))
            await sub.until(lambda items: len(items) == 1, "the event")
            await sub.stop()
            assert sub.items[0].event_id == opened.events[0].event_id

    run(main())
