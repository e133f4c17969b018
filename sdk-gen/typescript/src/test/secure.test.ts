import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Code, NexusError, connectNexus } from "../index.js";
import { mintToken, sharedServer } from "../testing/nexus-server.js";

// Test-only certificates (a CA and a 127.0.0.1/localhost server certificate).
const testdata = (name: string) => resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "testdata", name);
const secretFile = (dir: string) => join(dir, "jwt.secret");
const tokens = new Map<string, string>();
const token = (dir: string, sub: string, roles: string[]) => {
  const key = `${dir}|${sub}|${roles}`;
  if (!tokens.has(key)) tokens.set(key, mintToken(secretFile(dir), sub, roles));
  return tokens.get(key)!;
};

describe("TLS and bearer tokens", () => {
  const shared = sharedServer({
    env: (dir) => {
      if (!existsSync(secretFile(dir))) writeFileSync(secretFile(dir), randomBytes(48).toString("base64"));
      return {
        NEXUS_AUTH__MODE: "jwt",
        NEXUS_AUTH__JWT__ISSUER: "nexus-dev",
        NEXUS_AUTH__JWT__AUDIENCE: "nexus",
        NEXUS_AUTH__JWT__HS256_SECRET_FILE: secretFile(dir),
      };
    },
    args: () => ["--tls-cert", testdata("server.pem"), "--tls-key", testdata("server.key")],
    client: (dir) => ({ tls: { ca: readFileSync(testdata("ca.pem")) }, token: () => token(dir, "alice", ["writer"]) }),
  });
  after(() => shared.dispose());

  test("a token sent over TLS identifies the caller", shared.test(async (server, nexus) => {
    const id = randomUUID();
    const res = await nexus.execute("account", id, "OpenAccount", { owner: "Alice", initial_deposit: 1 });
    assert.equal(res.events[0]!.metadata?.userId, "alice");
    const read = await nexus.readStream(`account-${id}`);
    assert.equal(read.events.length, 1);

    // A reader may read but not write.
    const reader = server.client({ token: token(server.dir, "bob", ["reader"]) });
    assert.equal((await reader.readStream(`account-${id}`)).events.length, 1);
    await assert.rejects(
      reader.execute("account", id, "DepositMoney", { amount: 1 }),
      (e: NexusError) => e instanceof NexusError && e.code === Code.PermissionDenied,
    );
  }));

  test("no token is UNAUTHENTICATED; an untrusted certificate fails", shared.test(async (server) => {
    const anonymous = connectNexus(server.address, { tls: { ca: readFileSync(testdata("ca.pem")) }, retry: { maxAttempts: 1 } });
    await assert.rejects(anonymous.listAggregateTypes(), (e: NexusError) => e.code === Code.Unauthenticated);

    const untrusting = connectNexus(server.address, { tls: true, token: "x", retry: { maxAttempts: 1 } });
    await assert.rejects(untrusting.listAggregateTypes(), (e: unknown) => e instanceof NexusError && /certificate/i.test(e.message));
  }));
});
