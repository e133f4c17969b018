// The browser example (examples/browser) in headless Chromium against the
// real server over gRPC-Web: a page from an allowed origin watches a balance
// live; a page from another origin is refused by CORS.
//
// Needs a system Chromium: CHROMIUM_BIN, or `chromium` on PATH (puppeteer-core
// never downloads one). NEXUS_BROWSER_SCREENSHOT=FILE saves a screenshot of
// the page showing the balance.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { accessSync, constants, mkdtempSync, rmSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { delimiter, dirname, extname, join, resolve } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import type { NexusClient } from "../client.js";
import { NexusServer } from "../testing/nexus-server.js";

const NO_CHROMIUM = "install Chromium: apt-get install chromium (or set CHROMIUM_BIN)";
const WAIT_MS = 15_000;

// dist/test/browser.test.js -> the package root
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function chromiumBin(): string {
  const bin = process.env.CHROMIUM_BIN;
  if (bin) {
    if (!isExecutable(bin)) throw new Error(`${NO_CHROMIUM}; not an executable: ${bin}`);
    return bin;
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    for (const name of ["chromium", "chromium-browser"]) {
      if (dir && isExecutable(join(dir, name))) return join(dir, name);
    }
  }
  throw new Error(NO_CHROMIUM);
}

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".map": "application/json" };

/** A static file server for `dir` on a free port of 127.0.0.1; resolves to its origin. */
async function serveStatic(dir: string): Promise<{ origin: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const file = join(dir, path === "/" ? "index.html" : path);
    try {
      if (!file.startsWith(dir + "/")) throw new Error("outside");
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise<void>((ok, fail) => server.once("error", fail).listen(0, "127.0.0.1", ok));
  const addr = server.address();
  assert.ok(addr && typeof addr === "object");
  return { origin: `http://127.0.0.1:${addr.port}`, server };
}

interface Env {
  nexus: NexusServer;
  client: NexusClient;
  browser: Browser;
  allowed: string; // origin the server allows
  other: string; // origin it does not
}

describe("browser example over gRPC-Web (headless Chromium)", () => {
  const dir = mkdtempSync(join(tmpdir(), "nexus-sdk-web-"));
  const statics: Server[] = [];
  let started: Promise<Env> | undefined;
  let nexus: NexusServer | undefined;
  let browser: Browser | undefined;

  // Set up by the first test (so a missing Chromium or NEXUS_BIN fails the tests).
  const setup = () =>
    (started ??= (async () => {
      const executablePath = chromiumBin();
      const www = join(dir, "www");
      await promisify(execFile)(process.execPath, [join(packageRoot, "examples", "browser", "build.mjs"), "--outdir", www], {
        cwd: packageRoot,
      });
      const allowed = await serveStatic(www);
      const other = await serveStatic(www);
      statics.push(allowed.server, other.server);
      nexus = await NexusServer.start({
        env: () => ({ NEXUS_GRPC_WEB__ALLOWED_ORIGINS: JSON.stringify([allowed.origin]) }),
      });
      browser = await puppeteer.launch({
        executablePath,
        headless: true,
        args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        timeout: 30_000,
      });
      return { nexus, client: nexus.client(), browser, allowed: allowed.origin, other: other.origin };
    })());

  after(async () => {
    await browser?.close().catch(() => undefined);
    for (const s of statics) s.close();
    await nexus?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the example page from `origin` for `account`, collecting page errors. */
  async function openPage(env: Env, origin: string, account: string): Promise<{ page: Page; log: string[] }> {
    const page = await env.browser.newPage();
    const log: string[] = [];
    page.on("pageerror", (e) => log.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
    page.on("console", (m) => log.push(`console.${m.type()}: ${m.text()}`));
    const url = `${origin}/?server=${encodeURIComponent(`http://${env.nexus.address}`)}&account=${encodeURIComponent(account)}`;
    await page.goto(url, { waitUntil: "load", timeout: WAIT_MS });
    return { page, log };
  }

  /** Waits (bounded) until the page's body has `state`; the failure says what the page shows. */
  async function waitForState(page: Page, log: string[], state: string) {
    try {
      await page.waitForFunction((s: string) => document.body.dataset.state === s, { timeout: WAIT_MS }, state);
    } catch (e) {
      const status = await page.$eval("#status", (el) => el.textContent).catch(() => "?");
      throw new Error(`page never reached state ${state} (status: ${status})\n${log.join("\n")}`, { cause: e });
    }
  }

  const shows = (page: Page) =>
    page.evaluate(() => ({
      balance: document.getElementById("balance")!.dataset.balance,
      text: document.getElementById("balance")!.textContent,
      owner: document.getElementById("owner")!.textContent,
      changes: [...document.querySelectorAll("#changes li")].map((li) => li.textContent ?? ""),
      status: document.getElementById("status")!.textContent,
    }));

  test("a page from an allowed origin shows the balance, updated live", async () => {
    const env = await setup();
    await env.nexus.run(async () => {
      const id = randomUUID();
      const { page, log } = await openPage(env, env.allowed, id);
      await waitForState(page, log, "live"); // the (empty) snapshot is done: what follows is live
      assert.equal((await shows(page)).balance, "", "no account yet, no balance");

      await env.client.execute("account", id, "OpenAccount", { owner: "Ada", initial_deposit: 100 });
      await env.client.execute("account", id, "DepositMoney", { amount: 50 });
      try {
        await page.waitForFunction(() => document.getElementById("balance")!.dataset.balance === "150", {
          timeout: WAIT_MS,
        });
      } catch (e) {
        throw new Error(`the page did not show balance 150: ${JSON.stringify(await shows(page))}\n${log.join("\n")}`, {
          cause: e,
        });
      }
      const live = await shows(page);
      assert.equal(live.text, "1.50 EUR");
      assert.equal(live.owner, "(Ada)");
      assert.equal(live.changes.length, 2, `one change per event: ${JSON.stringify(live.changes)}`);
      assert.match(live.changes[0]!, /v1: balance 1\.00 EUR$/);
      assert.match(live.changes[1]!, /v2: balance 1\.50 EUR$/);
      if (process.env.NEXUS_BROWSER_SCREENSHOT) {
        await page.setViewport({ width: 720, height: 420 });
        await page.screenshot({ path: process.env.NEXUS_BROWSER_SCREENSHOT });
      }
      await page.close();

      // A page opened later gets the current document from the snapshot.
      const later = await openPage(env, env.allowed, id);
      await waitForState(later.page, later.log, "live");
      const snap = await shows(later.page);
      assert.equal(snap.balance, "150");
      assert.deepEqual(snap.changes, []);
      await later.page.close();
    });
  });

  test("a page from an origin the server does not allow cannot call it", async () => {
    const env = await setup();
    await env.nexus.run(async () => {
      const id = randomUUID();
      await env.client.execute("account", id, "OpenAccount", { owner: "Eve", initial_deposit: 100 });
      const { page, log } = await openPage(env, env.other, id);
      await waitForState(page, log, "error");
      const shown = await shows(page);
      assert.match(shown.status ?? "", /^error: .*allow this page's origin/);
      assert.ok(
        log.some((l) => l.includes("blocked by CORS policy")),
        `the browser refused the call for CORS:\n${log.join("\n")}`,
      );
      assert.equal(shown.balance, "", "the refused page shows no balance");
      await page.close();
    });
  });
});
