// Test fixture: runs the real nexus binary ($NEXUS_BIN) on 127.0.0.1 with a
// free port and a temporary data directory. Not part of the SDK's API.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { connectNexus, type ConnectOptions } from "../node.js";
import type { NexusClient } from "../client.js";

const MISSING_BIN = "set NEXUS_BIN to a built nexus binary (cargo build -p nexus-server, or run scripts/test)";

function nexusBin(): string {
  const bin = process.env.NEXUS_BIN;
  if (!bin || !existsSync(bin) || !statSync(bin).isFile()) {
    throw new Error(bin ? `${MISSING_BIN}; not found: ${bin}` : MISSING_BIN);
  }
  return bin;
}

function nexusRoot(): string {
  if (process.env.NEXUS_ROOT) return process.env.NEXUS_ROOT;
  // dist/testing/nexus-server.js -> sdk-gen/typescript -> repo root
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` every `everyMs` until it returns true, failing after
 * `timeoutMs` with `what` in the message (every wait of the tests is bounded).
 */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000, everyMs = 25) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Options of NexusServer.start. */
export interface ServerOptions {
  /** More `serve` flags. */
  args?: (dir: string) => string[];
  /** More environment variables (e.g. NEXUS_AUTH__MODE). */
  env?: (dir: string) => Record<string, string>;
  /** Client options for the readiness probe and client() (TLS, token). */
  client?: (dir: string) => ConnectOptions;
}

/** Mints a JWT with `nexus auth token` (HS256, issuer nexus-dev, audience nexus). */
export function mintToken(secretFile: string, sub: string, roles: string[]): string {
  return execFileSync(nexusBin(), ["auth", "token", "--secret-file", secretFile, "--sub", sub, "--roles", roles.join(",")], {
    encoding: "utf8",
  }).trim();
}

export class NexusServer {
  readonly port: number;
  readonly dir: string;
  readonly logPath: string;
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    port: number,
    dir: string,
    private readonly options: ServerOptions,
  ) {
    this.port = port;
    this.dir = dir;
    this.logPath = join(dir, "nexus.log");
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts a server on a free port with a fresh data directory. */
  static async start(options: ServerOptions = {}): Promise<NexusServer> {
    const bin = nexusBin();
    const server = new NexusServer(await freePort(), mkdtempSync(join(tmpdir(), "nexus-sdk-ts-")), options);
    await server.spawn(bin);
    return server;
  }

  /** A client for this server, with the server's client options (connections are lazy). */
  client(options: ConnectOptions = {}): NexusClient {
    return connectNexus(this.address, { ...this.options.client?.(this.dir), ...options });
  }

  private async spawn(bin: string) {
    const root = nexusRoot();
    const log = openSync(this.logPath, "a");
    const args = [
      "serve",
      "--listen", this.address,
      "--data-dir", join(this.dir, "data"),
      "--schemas-dir", join(root, "schemas"),
      "--policies-dir", join(root, "policies"),
      "--projections-dir", join(root, "projections"),
      "--sagas-dir", join(root, "sagas"),
      ...(this.options.args?.(this.dir) ?? []),
    ];
    const env = { ...process.env, ...this.options.env?.(this.dir) };
    const proc = spawn(bin, args, { stdio: ["ignore", log, log], env });
    closeSync(log);
    this.proc = proc;
    let gone = false;
    this.exited = new Promise((ok) => proc.once("exit", () => ((gone = true), ok())));
    const probe = this.client({ timeoutMs: 1_000, retry: { maxAttempts: 1 } });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (gone) throw new Error(`nexus exited during startup (${bin} ${args.join(" ")})\n${this.logTail()}`);
      try {
        await probe.listAggregateTypes();
        return;
      } catch {
        if (Date.now() > deadline) {
          throw new Error(`nexus did not answer within 30 s on ${this.address}\n${this.logTail()}`);
        }
        await sleep(100);
      }
    }
  }

  /** Stops the server: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills the server at once (SIGKILL), like a crash. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill("SIGKILL");
    await this.exited;
  }

  /** Starts the server again on the same port and data directory. */
  async restart(): Promise<void> {
    await this.stop();
    await this.spawn(nexusBin());
  }

  /** Starts the server again after stop() or kill(). */
  async startAgain(): Promise<void> {
    await this.spawn(nexusBin());
  }

  /** Stops the server and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  logTail(lines = 40): string {
    try {
      const text = readFileSync(this.logPath, "utf8").trimEnd().split("\n");
      return `--- nexus log tail (${this.logPath}) ---\n${text.slice(-lines).join("\n")}`;
    } catch {
      return "--- no nexus log ---";
    }
  }

  /**
   * Runs a test body; when it fails, appends the server's log tail to the
   * error message so it shows in the runner's report.
   */
  async run(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (e) {
      if (e instanceof Error) {
        e.message = `${e.message}\n${this.logTail()}`;
        throw e;
      }
      throw new Error(`${String(e)}\n${this.logTail()}`);
    }
  }
}

/**
 * One server shared by the tests of a file, started by the first test that
 * needs it, so that a missing NEXUS_BIN fails every test (rather than
 * cancelling them from a hook).
 */
export function sharedServer(options: ServerOptions = {}) {
  let started: Promise<{ server: NexusServer; nexus: NexusClient }> | undefined;
  const get = () =>
    (started ??= NexusServer.start(options).then((server) => ({ server, nexus: server.client() })));
  return {
    /** Wraps a test body: starts (or reuses) the server, adds its log tail on failure. */
    test:
      (body: (server: NexusServer, nexus: NexusClient) => Promise<void>) =>
      async () => {
        const { server, nexus } = await get();
        await server.run(() => body(server, nexus));
      },
    /** For after(): stops the server if one was started. */
    async dispose() {
      const s = await started?.catch(() => undefined);
      await s?.server.dispose();
    },
  };
}
