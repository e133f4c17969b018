import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, test } from "node:test";
import { Code, Handler, HANDLER_ERROR, NexusError, Rejected, eventJson, type NexusClient } from "../index.js";
import { NexusServer, sharedServer, waitFor } from "../testing/nexus-server.js";

// The inventory model of examples/inventory (its event types have schemas in
// schemas/), registered under a fresh aggregate type per test.
type Item = { available: number; reservations: Record<string, number> };
type Data = { quantity: number; available: number; reservation_id?: string };

const errors: string[] = [];
const quiet = { info() {}, warn() {}, error: (m: string) => void errors.push(m) };

function inventory(aggregateType: string, gate?: () => Promise<void>) {
  const item = new Handler<Item>({
    aggregateType,
    eventTypes: ["StockAdded", "StockReserved", "ReservationReleased"],
    initial: () => ({ available: 0, reservations: {} }),
    evolve: (state, type, data) => {
      const d = data as Data;
      if (type === "StockReserved") state.reservations[d.reservation_id!] = d.quantity;
      return { ...state, available: d.available };
    },
    logger: quiet,
  });
  item.command("AddStock", (state, cmd) => ({
    eventType: "StockAdded",
    data: { quantity: cmd.quantity!, available: state.available + Number(cmd.quantity) },
  }));
  item.command("Reserve", async (state, cmd) => {
    await gate?.();
    const [id, quantity] = [String(cmd.reservation_id), Number(cmd.quantity)];
    if (id in state.reservations) return null; // already reserved: nothing happens again
    if (quantity > state.available) {
      throw new Rejected("INSUFFICIENT_STOCK", `cannot reserve ${quantity}`, { available: state.available, requested: quantity });
    }
    return [["StockReserved", { reservation_id: id, quantity, available: state.available - quantity }]];
  });
  item.command("Explode", () => {
    throw new TypeError("boom");
  });
  return item;
}

/** Runs a handler until stopped; resolves `registered` on its first registration. */
function start(handler: Handler<Item>, nexus: NexusClient, options: { name?: string; maxInFlight?: number } = {}) {
  const ctl = new AbortController();
  let registered!: () => void;
  const ready = new Promise<void>((ok) => (registered = ok));
  const done = handler.run(nexus, { ...options, signal: ctl.signal, onRegistered: () => registered() });
  done.catch(() => {}); // observed by stop()
  const stop = async () => {
    ctl.abort();
    await within(10_000, "run() to return after abort", done);
  };
  return { ready: Promise.race([ready, done.then(() => assert.fail("run() returned before registering"))]), stop, ctl, done };
}

async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function expectNexusError(p: Promise<unknown>): Promise<NexusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof NexusError, `expected a NexusError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected the call to fail");
}

/** Runs `tasks` with at most `n` at once; results in order. */
async function pool<T>(n: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < tasks.length) {
        const k = next++;
        results[k] = await tasks[k]!();
      }
    }),
  );
  return results;
}

const newType = () => `inventory-${randomUUID().slice(0, 8)}`;
const PATIENT = { retry: { maxAttempts: 8 }, timeoutMs: 30_000 };

describe("remote command handlers against a real server", () => {
  const shared = sharedServer();
  after(() => shared.dispose());

  test(
    "decides commands on the folded history; rejections and errors reach the caller",
    shared.test(async (_server, nexus) => {
      const type = newType();
      const handler = inventory(type);
      const h = start(handler, nexus, { name: "ts-inv" });
      try {
        await within(15_000, "registration", h.ready);
        assert.ok(handler.instanceId);
        const id = randomUUID();
        const added = await nexus.execute(type, id, "AddStock", { quantity: 5 });
        assert.deepEqual(added.events.map((e) => [e.eventType, eventJson(e)]), [["StockAdded", { quantity: 5, available: 5 }]]);
        // The second command sees the first one's event.
        const reserved = await nexus.execute(type, id, "Reserve", { reservation_id: "r1", quantity: 2 });
        assert.equal(reserved.revision, 1n);
        assert.deepEqual(eventJson(reserved.events[0]!), { reservation_id: "r1", quantity: 2, available: 3 });
        const again = await nexus.execute(type, id, "Reserve", { reservation_id: "r1", quantity: 2 });
        assert.deepEqual(again.events, [], "nothing happens for a known reservation");

        const stream = await nexus.readStream(`${type}-${id}`);
        assert.deepEqual(
          stream.events.map((e) => [e.eventType, eventJson(e)]),
          [
            ["StockAdded", { quantity: 5, available: 5 }],
            ["StockReserved", { reservation_id: "r1", quantity: 2, available: 3 }],
          ],
        );

        const refused = await expectNexusError(nexus.execute(type, id, "Reserve", { reservation_id: "r2", quantity: 4 }));
        assert.equal(refused.code, Code.FailedPrecondition, refused.message);
        assert.equal(refused.reason, "INSUFFICIENT_STOCK");
        assert.deepEqual(refused.metadata, { available: "3", requested: "4" });

        const failed = await expectNexusError(nexus.execute(type, id, "Explode", {}));
        assert.equal(failed.code, Code.FailedPrecondition, failed.message);
        assert.equal(failed.reason, HANDLER_ERROR);
        assert.equal(failed.metadata.exception, "TypeError");
        assert.ok(errors.some((m) => m.startsWith("Explode")), "the exception is logged");
        assert.equal((await nexus.readStream(`${type}-${id}`)).events.length, 2, "rejections store nothing");
        assert.equal(handler.handled, 5);
      } finally {
        await h.stop();
      }
      assert.equal(handler.instanceId, undefined);
    }),
  );

  test(
    "a refused registration makes run() throw",
    shared.test(async (_server, nexus) => {
      const refused = new Handler({ aggregateType: "account", eventTypes: ["MoneyDeposited"], logger: quiet });
      refused.command("DepositMoney", () => null);
      const err = await within(15_000, "run() to fail", expectNexusError(refused.run(nexus)));
      assert.equal(err.code, Code.InvalidArgument, err.message);
    }),
  );

  test(
    "two instances share the load",
    shared.test(async (_server, nexus) => {
      const type = newType();
      const [a, b] = [inventory(type), inventory(type)];
      const ha = start(a, nexus, { name: "inv-a", maxInFlight: 2 });
      const hb = start(b, nexus, { name: "inv-b", maxInFlight: 2 });
      try {
        await within(15_000, "registrations", Promise.all([ha.ready, hb.ready]));
        const items = Array.from({ length: 8 }, () => randomUUID());
        const total = 40;
        const results = await pool(
          8,
          Array.from({ length: total }, (_, k) => () => nexus.execute(type, items[k % items.length]!, "AddStock", { quantity: 1 }, PATIENT)),
        );
        assert.ok(results.every((r) => r.events.length === 1 && r.events[0]!.eventType === "StockAdded"));
        for (const item of items) {
          const stream = await nexus.readStream(`${type}-${item}`);
          assert.deepEqual(stream.events.map((e) => eventJson<Data>(e).available), [1, 2, 3, 4, 5]);
        }
        assert.ok(a.handled > 0 && b.handled > 0, `one instance did everything: a ${a.handled}, b ${b.handled}`);
        assert.ok(a.handled + b.handled >= total);
      } finally {
        await Promise.all([ha.stop(), hb.stop()]);
      }
    }),
  );

  test(
    "an instance stopped while it holds requests loses no command",
    shared.test(async (_server, nexus) => {
      const type = newType();
      let frozen = false;
      let held = 0;
      const a = inventory(type, async () => {
        if (!frozen) return;
        held++;
        await new Promise<void>((ok) => ha.ctl.signal.addEventListener("abort", () => ok(), { once: true }));
      });
      const b = inventory(type);
      const ha = start(a, nexus, { name: "inv-a" });
      const hb = start(b, nexus, { name: "inv-b" });
      try {
        await within(15_000, "registrations", Promise.all([ha.ready, hb.ready]));
        const items = Array.from({ length: 10 }, () => randomUUID());
        const stock = 15;
        for (const item of items) await nexus.execute(type, item, "AddStock", { quantity: stock }, PATIENT);
        const total = 100;
        const commands = Array.from({ length: total }, (_, k) => ({
          commandId: randomUUID(),
          item: items[k % items.length]!,
          reservation: `res-${k}`,
        }));
        let done = 0;
        // Freeze inv-a a fifth of the way; stop it once it holds a request.
        const stopper = (async () => {
          await waitFor("a fifth of the commands", () => done >= total / 5, 60_000);
          frozen = true;
          await waitFor("inv-a to hold a request", () => held > 0, 30_000);
          await ha.stop();
        })();
        const responses = await pool(
          8,
          commands.map((c) => async () => {
            const r = await nexus.execute(type, c.item, "Reserve", { reservation_id: c.reservation, quantity: 1 }, {
              ...PATIENT,
              commandId: c.commandId,
            });
            done++;
            return r;
          }),
        );
        await within(60_000, "inv-a to be stopped", stopper);
        assert.ok(held > 0);

        commands.forEach((c, k) => {
          const r = responses[k]!;
          assert.equal(r.commandId, c.commandId);
          assert.deepEqual(r.events.map((e) => [e.eventType, eventJson<Data>(e).reservation_id]), [["StockReserved", c.reservation]]);
        });
        const seen = new Map<string, number>();
        for (const item of items) {
          const stream = await nexus.readStream(`${type}-${item}`, { pageSize: 1000 });
          const data = stream.events.map((e) => eventJson<Data>(e));
          assert.deepEqual(data.map((d) => d.available), Array.from({ length: data.length }, (_, k) => stock - k));
          for (const d of data.slice(1)) seen.set(d.reservation_id!, (seen.get(d.reservation_id!) ?? 0) + 1);
          const expected = commands.filter((c) => c.item === item).map((c) => c.reservation).sort();
          assert.deepEqual(data.slice(1).map((d) => d.reservation_id).sort(), expected);
        }
        assert.equal(seen.size, total);
        assert.ok([...seen.values()].every((n) => n === 1), "every reservation is stored once");
        assert.ok(a.handled > 0 && b.handled > 0, `a ${a.handled}, b ${b.handled}`);
      } finally {
        await Promise.all([ha.stop(), hb.stop()]);
      }
    }),
  );
});

test("a handler keeps its registration with heartbeats and registers again after a server restart", async () => {
  // A short heartbeat interval: an instance silent for three is dropped.
  const server = await NexusServer.start({ env: () => ({ NEXUS_COMMANDS__REMOTE_HEARTBEAT_INTERVAL: "250ms" }) });
  const nexus = server.client();
  const type = newType();
  const handler = inventory(type);
  const h = start(handler, nexus);
  try {
    await server.run(async () => {
      await within(15_000, "registration", h.ready);
      const first = handler.instanceId;
      await new Promise((ok) => setTimeout(ok, 2_000)); // eight intervals
      assert.equal(handler.registrations, 1, "the instance was not dropped");
      assert.equal(handler.instanceId, first);
      const id = randomUUID();
      await nexus.execute(type, id, "AddStock", { quantity: 2 });
      await server.restart();
      await waitFor("a second registration", () => handler.registrations === 2, 30_000);
      const more = await nexus.execute(type, id, "AddStock", { quantity: 3 }, PATIENT);
      assert.deepEqual(eventJson(more.events[0]!), { quantity: 3, available: 5 });
    });
  } finally {
    await h.stop();
    await server.dispose();
  }
});
