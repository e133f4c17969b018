import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, test } from "node:test";
import { Code, NexusError, WatchEvent_Change_Kind, eventJson, type WatchEvent } from "../index.js";
import { sharedServer, waitFor } from "../testing/nexus-server.js";

async function expectNexusError(p: Promise<unknown>): Promise<NexusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof NexusError, `expected a NexusError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected the call to fail");
}

describe("NexusClient against a real server", () => {
  const shared = sharedServer();
  after(() => shared.dispose());

  test("execute returns events and revision; a repeated command id writes nothing", 
    shared.test(async (_server, nexus) => {
      const id = randomUUID();
      const opened = await nexus.execute(
        "account",
        id,
        "OpenAccount",
        { owner: "Ada", initial_deposit: 100 },
        { correlationId: "corr-" + id, causationId: "cause-" + id },
      );
      assert.equal(opened.streamId, `account-${id}`);
      assert.equal(opened.revision, 0n);
      assert.deepEqual(opened.events.map((e) => e.eventType), ["AccountOpened"]);
      assert.deepEqual(eventJson(opened.events[0]!), { owner: "Ada", currency: "EUR", initial_deposit: 100 });
      assert.ok(opened.commandId, "a command id is filled in");
      assert.equal(opened.alreadyExecuted, false);
      assert.equal(opened.correlationId, "corr-" + id);
      assert.equal(opened.events[0]!.metadata?.correlationId, "corr-" + id);
      assert.equal(opened.events[0]!.metadata?.causationId, "cause-" + id);

      const commandId = randomUUID();
      const first = await nexus.execute("account", id, "DepositMoney", { amount: 50 }, { commandId });
      assert.equal(first.revision, 1n);
      assert.equal(first.commandId, commandId);
      assert.equal(first.alreadyExecuted, false);
      assert.deepEqual(eventJson(first.events[0]!), { amount: 50, balance: 150 });

      const again = await nexus.execute("account", id, "DepositMoney", { amount: 50 }, { commandId });
      assert.equal(again.alreadyExecuted, true);
      assert.equal(again.revision, 1n);
      assert.deepEqual(
        again.events.map((e) => [e.eventId, e.streamRevision]),
        first.events.map((e) => [e.eventId, e.streamRevision]),
      );
      const stream = await nexus.readStream(`account-${id}`);
      assert.equal(stream.events.length, 2, "the repeated command wrote nothing");
      assert.equal(stream.currentRevision, 1n);
    }));

  test("read a stream: types, order and data", 
    shared.test(async (_server, nexus) => {
      const id = randomUUID();
      await nexus.execute("account", id, "OpenAccount", { owner: "Bob", initial_deposit: 10, currency: "USD" });
      await nexus.execute("account", id, "DepositMoney", { amount: 5 });
      await nexus.execute("account", id, "WithdrawMoney", { amount: 7 });

      const page = await nexus.readStream(`account-${id}`);
      assert.deepEqual(
        page.events.map((e) => [e.streamRevision, e.eventType, eventJson(e)]),
        [
          [0n, "AccountOpened", { owner: "Bob", currency: "USD", initial_deposit: 10 }],
          [1n, "MoneyDeposited", { amount: 5, balance: 15 }],
          [2n, "MoneyWithdrawn", { amount: 7, balance: 8 }],
        ],
      );
      const globals = page.events.map((e) => e.position!.globalPosition!);
      assert.ok(globals[0]! < globals[1]! && globals[1]! < globals[2]!, "global positions grow");

      // Paging through the helper yields the same events; backwards reverses them.
      const paged = [];
      for await (const e of nexus.readStreamEvents(`account-${id}`, { pageSize: 2 })) paged.push(e.eventId);
      assert.deepEqual(paged, page.events.map((e) => e.eventId));
      const back = await nexus.readStream(`account-${id}`, { backwards: true, pageSize: 1 });
      assert.equal(back.events[0]!.eventType, "MoneyWithdrawn");

      const missing = await expectNexusError(nexus.readStream(`account-${randomUUID()}`));
      assert.equal(missing.code, Code.NotFound);
      assert.equal(missing.reason, "STREAM_NOT_FOUND");
    }));

  test("append is idempotent by event id", 
    shared.test(async (_server, nexus) => {
      const stream = `account-${randomUUID()}`;
      const events = [
        { eventType: "AccountOpened", data: { owner: "Cy", currency: "EUR", initial_deposit: 1 }, eventId: randomUUID() },
      ];
      const first = await nexus.append(stream, events, { expectedRevision: "noStream", correlationId: "c-1" });
      assert.equal(first.alreadyAppended, false);
      const second = await nexus.append(stream, events, { expectedRevision: "noStream" });
      assert.equal(second.alreadyAppended, true);
      assert.equal(second.currentRevision, first.currentRevision);
      const read = await nexus.readStream(stream);
      assert.equal(read.events.length, 1);
      assert.equal(read.events[0]!.eventId, events[0]!.eventId);
      assert.equal(read.events[0]!.metadata?.correlationId, "c-1");
    }));

  test("watch a projection document, then resume after the last watch position", 
    shared.test(async (_server, nexus) => {
      const id = randomUUID();
      const key = `account-${id}`;
      await nexus.execute("account", id, "OpenAccount", { owner: "Dee", initial_deposit: 100 });

      const seen: WatchEvent[] = [];
      const ctl = new AbortController();
      const watch = nexus.watchDocuments("account-balance", [key], { signal: ctl.signal });
      const done = (async () => {
        for await (const ev of watch) seen.push(ev);
      })();
      done.catch(() => {}); // awaited below
      const balanceChange = (balance: number) => () =>
        seen.some(
          (e) =>
            e.kind.case === "change" &&
            e.kind.value.kind === WatchEvent_Change_Kind.UPSERT &&
            e.kind.value.key === key &&
            e.kind.value.document?.body?.balance === balance,
        );
      const balanceCurrent = (balance: number) =>
        seen.some((e) => e.kind.case === "current" && e.kind.value.document?.body?.balance === balance);

      await waitFor("the watch to go live", () => seen.some((e) => e.kind.case === "live"));
      // The snapshot shows the opened account, unless the projection had not
      // applied it yet: then it arrives as a change.
      await waitFor("the opened account", () => balanceCurrent(100) || balanceChange(100)());

      await nexus.execute("account", id, "DepositMoney", { amount: 25 });
      await waitFor("the deposit in the watched document", balanceChange(125));
      ctl.abort();
      await done;
      const resumeAfter = watch.resumePoint;
      assert.equal(typeof resumeAfter, "string");
      assert.ok(resumeAfter);

      // Another deposit while nobody watches; a watch resumed after the last
      // position sees only that change: no snapshot, nothing repeated.
      await nexus.execute("account", id, "DepositMoney", { amount: 5 });
      const resumed: WatchEvent[] = [];
      const ctl2 = new AbortController();
      const done2 = (async () => {
        for await (const ev of nexus.watchDocuments("account-balance", [key], { signal: ctl2.signal, resumeAfter: resumeAfter as string }))
          resumed.push(ev);
      })();
      done2.catch(() => {}); // awaited below
      await waitFor("the resumed watch to deliver the missed deposit", () =>
        resumed.some((e) => e.kind.case === "change" && e.kind.value.document?.body?.balance === 130),
      );
      ctl2.abort();
      await done2;
      const kinds = resumed.map((e) => e.kind.case);
      assert.ok(!kinds.includes("current") && !kinds.includes("reset"), `no snapshot on resume: ${kinds.join(",")}`);
      const changes = resumed.filter((e) => e.kind.case === "change").map((e) => (e.kind.value as { document?: { body?: { balance?: unknown } } }).document?.body?.balance);
      assert.deepEqual(changes, [130]);
    }));

  test("typed errors: WRONG_EXPECTED_VERSION with metadata", 
    shared.test(async (_server, nexus) => {
      const id = randomUUID();
      await nexus.execute("account", id, "OpenAccount", { owner: "Eve", initial_deposit: 0 });

      const append = await expectNexusError(
        nexus.append(`account-${id}`, [{ eventType: "MoneyDeposited", data: { amount: 1, balance: 1 } }], {
          expectedRevision: 5,
        }),
      );
      assert.equal(append.code, Code.Aborted);
      assert.equal(append.reason, "WRONG_EXPECTED_VERSION");
      assert.equal(append.domain, "nexus");
      assert.ok(Object.values(append.metadata).includes("0"), `actual revision 0 in ${JSON.stringify(append.metadata)}`);
      assert.equal(append.retryDelayMs, undefined);

      const exec = await expectNexusError(
        nexus.execute("account", id, "DepositMoney", { amount: 1 }, { expectedRevision: 3 }),
      );
      assert.equal(exec.code, Code.Aborted);
      assert.equal(exec.reason, "WRONG_EXPECTED_VERSION");
      assert.ok(Object.keys(exec.metadata).length > 0, "metadata present");
      assert.equal((await nexus.readStream(`account-${id}`)).events.length, 1, "nothing written");
    }));

  test("typed errors: SCHEMA_VIOLATION with field violations, business rules", 
    shared.test(async (_server, nexus) => {
      const id = randomUUID();
      const err = await expectNexusError(
        nexus.append(`account-${id}`, [{ eventType: "MoneyDeposited", data: { amount: -5, balance: "lots" } }]),
      );
      assert.equal(err.code, Code.InvalidArgument);
      assert.equal(err.reason, "SCHEMA_VIOLATION");
      assert.ok(err.fieldViolations.length > 0, "field violations present");
      for (const v of err.fieldViolations) {
        assert.ok(v.field, "each violation names a field");
        assert.ok(v.description, "each violation has a description");
      }
      await expectNexusError(nexus.readStream(`account-${id}`)).then((e) => assert.equal(e.code, Code.NotFound));

      await nexus.execute("account", id, "OpenAccount", { owner: "Fay", initial_deposit: 10 });
      const funds = await expectNexusError(nexus.execute("account", id, "WithdrawMoney", { amount: 11 }));
      assert.equal(funds.code, Code.FailedPrecondition);
      assert.equal(funds.reason, "INSUFFICIENT_FUNDS");
      assert.equal(funds.metadata.balance, "10");

      const bad = await expectNexusError(nexus.execute("account", id, "DepositMoney", { amont: 1 }));
      assert.equal(bad.code, Code.InvalidArgument);
      assert.ok(bad.fieldViolations.some((v) => v.field.startsWith("payload.")), JSON.stringify(bad.fieldViolations));
    }));
});
