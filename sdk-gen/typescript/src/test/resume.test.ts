import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, test } from "node:test";
import { eventJson, type Document, type NexusError, type RecordedEvent, type WatchEvent } from "../index.js";
import { sharedServer, waitFor } from "../testing/nexus-server.js";

/** The documents a watch delivered (snapshot and changes), in order. */
const docs = (events: WatchEvent[]): Document[] =>
  events.flatMap((e) => (e.kind.case === "current" || e.kind.case === "change") && e.kind.value.document ? [e.kind.value.document] : []);

// Fast reconnects so the tests don't wait long; bounded so a broken resume fails.
const reconnect = { initialBackoffMs: 50, maxBackoffMs: 500, maxAttempts: 200 };

describe("resuming across a server restart", () => {
  const shared = sharedServer();
  after(() => shared.dispose());

  for (const how of ["graceful stop", "kill -9"] as const) {
    test(`subscriptions deliver every event exactly once in order across a restart (${how})`, 
      shared.test(async (server, nexus) => {
        const id = randomUUID();
        const stream = `account-${id}`;
        await nexus.execute("account", id, "OpenAccount", { owner: "Gus", initial_deposit: 0 });
        await nexus.execute("account", id, "DepositMoney", { amount: 1 });
        await nexus.execute("account", id, "DepositMoney", { amount: 2 });

        const ctl = new AbortController();
        const fromAll: RecordedEvent[] = [];
        const fromStream: RecordedEvent[] = [];
        const reconnects = { all: [] as (NexusError | undefined)[], stream: [] as (NexusError | undefined)[], watch: 0 };
        const all = nexus.subscribeAll({
          filter: { streamPrefixes: [stream] },
          heartbeatMs: 200,
          signal: ctl.signal,
          reconnect,
          onReconnect: (e) => reconnects.all.push(e),
        });
        const one = nexus.subscribeStream(stream, {
          signal: ctl.signal,
          reconnect,
          onReconnect: (e) => reconnects.stream.push(e),
        });
        const watched: WatchEvent[] = [];
        const watch = nexus.watchDocuments("account-balance", [stream], {
          signal: ctl.signal,
          reconnect,
          onReconnect: () => reconnects.watch++,
        });
        const consumers = Promise.all([
          (async () => {
            for await (const e of watch) watched.push(e);
          })(),
          (async () => {
            for await (const e of all) fromAll.push(e);
          })(),
          (async () => {
            for await (const e of one) fromStream.push(e);
          })(),
        ]);
        consumers.catch(() => {}); // awaited in finally; a failure must not count as unhandled meanwhile
        try {
          await waitFor("3 events on both subscriptions", () => fromAll.length >= 3 && fromStream.length >= 3);

          if (how === "kill -9") {
            await server.kill();
            await server.startAgain();
          } else {
            await server.restart();
          }
          // Write after the restart; the client retries while the server is unreachable.
          for (const amount of [3, 4, 5]) await nexus.execute("account", id, "DepositMoney", { amount });
          await waitFor("6 events on both subscriptions", () => fromAll.length >= 6 && fromStream.length >= 6, 30_000);
          // A last event: anything repeated would arrive before it.
          await nexus.execute("account", id, "DepositMoney", { amount: 6 });
          await waitFor("the last event", () =>
            [fromAll, fromStream].every((l) => l.some((e) => eventJson<{ amount?: number }>(e).amount === 6)),
          );
          await waitFor("the watched document's 7th version", () => docs(watched).some((d) => d.version === 7n));
        } finally {
          ctl.abort();
          await consumers;
        }

        const expected = [0n, 1n, 2n, 3n, 4n, 5n, 6n];
        assert.deepEqual(fromAll.map((e) => e.streamRevision), expected, "subscribeAll: each event once, in order");
        assert.deepEqual(fromStream.map((e) => e.streamRevision), expected, "subscribeStream: each event once, in order");
        assert.deepEqual(
          fromAll.slice(1).map((e) => eventJson<{ amount: number }>(e).amount),
          [1, 2, 3, 4, 5, 6],
        );
        // The watch saw every write of the document once, in order, across the restart.
        const versions = docs(watched).map((d) => d.version);
        assert.ok(!watched.some((e) => e.kind.case === "reset"), "no reset");
        assert.deepEqual(versions, Array.from({ length: 8 - Number(versions[0]) }, (_, i) => versions[0]! + BigInt(i)));
        assert.equal(docs(watched).at(-1)!.body?.balance, 21);
        assert.ok(reconnects.watch > 0, "the watch reconnected");
        assert.ok(reconnects.all.length > 0, "subscribeAll reconnected");
        assert.ok(reconnects.stream.length > 0, "subscribeStream reconnected");
        assert.equal(all.resumePoint, fromAll.at(-1)!.position!.token);
        assert.equal(one.resumePoint, 6n);
      }));
  }

  test("a subscription from the end misses nothing written while it reconnects", 
    shared.test(async (server, nexus) => {
      const id = randomUUID();
      const stream = `account-${id}`;
      await nexus.execute("account", id, "OpenAccount", { owner: "Hal", initial_deposit: 0 });
      const ctl = new AbortController();
      const got: RecordedEvent[] = [];
      let live = false;
      const sub = nexus.subscribeAll({
        from: "end",
        filter: { streamPrefixes: [stream] },
        signal: ctl.signal,
        reconnect,
        onCaughtUp: () => (live = true),
      });
      const consumer = (async () => {
        for await (const e of sub) got.push(e);
      })();
      consumer.catch(() => {}); // awaited in finally
      try {
        await waitFor("the subscription to be live", () => live);
        await server.kill();
        await server.startAgain();
        await nexus.execute("account", id, "DepositMoney", { amount: 9 });
        await waitFor("the deposit", () => got.length >= 1, 30_000);
        await nexus.execute("account", id, "DepositMoney", { amount: 10 });
        await waitFor("the second deposit", () => got.length >= 2);
      } finally {
        ctl.abort();
        await consumer;
      }
      assert.deepEqual(got.map((e) => e.streamRevision), [1n, 2n], "history before 'end' is not delivered, nothing after is lost");
    }));

  test("retries an idempotent call until the server is back", 
    shared.test(async (server, nexus) => {
      const id = randomUUID();
      await nexus.execute("account", id, "OpenAccount", { owner: "Ida", initial_deposit: 0 });
      await server.kill();
      const patient = server.client({ retry: { maxAttempts: 100, initialBackoffMs: 50, maxBackoffMs: 200 } });
      const pending = patient.execute("account", id, "DepositMoney", { amount: 7 });
      pending.catch(() => {}); // awaited below; don't flag a rejection during the restart as unhandled
      await server.startAgain();
      const res = await pending;
      assert.equal(res.revision, 1n);
      const read = await nexus.readStream(`account-${id}`);
      assert.equal(read.events.length, 2, "deposited exactly once");

      // Without retries the same outage surfaces as UNAVAILABLE.
      await server.kill();
      const impatient = server.client({ retry: { maxAttempts: 1 } });
      await assert.rejects(impatient.readStream(`account-${id}`), (e: NexusError) => e.codeName === "Unavailable");
      await server.startAgain();
    }));
});
