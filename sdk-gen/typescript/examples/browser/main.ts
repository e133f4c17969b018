// Watches one account's balance live, straight from the browser over
// gRPC-Web: WatchDocuments on the "account-balance" projection.
//
//   index.html?server=http://127.0.0.1:50051&account=acc-1
//
// The server must allow this page's origin: NEXUS_GRPC_WEB__ALLOWED_ORIGINS
// (or [grpc_web] allowed_origins in its config file). See README.md.
import { NexusError, WatchEvent_Change_Kind, connectNexusWeb, type Document } from "@nexus/sdk/web";

const params = new URLSearchParams(location.search);
const server = params.get("server") ?? "http://127.0.0.1:50051";
const account = params.get("account");

const $ = (id: string) => document.getElementById(id)!;

function setState(state: "connecting" | "live" | "error", text: string) {
  document.body.dataset.state = state;
  $("status").textContent = text;
}

/** Amounts are integer cents. */
function money(cents: unknown, currency: unknown): string {
  if (typeof cents !== "number") return "–";
  return `${(cents / 100).toFixed(2)} ${typeof currency === "string" ? currency : ""}`.trim();
}

function show(doc: Document | undefined) {
  const body = doc?.body ?? {};
  const balance = $("balance");
  balance.dataset.balance = typeof body.balance === "number" ? String(body.balance) : "";
  balance.textContent = money(body.balance, body.currency);
  $("owner").textContent = typeof body.owner === "string" ? `(${body.owner})` : "";
}

function addChange(text: string) {
  const li = document.createElement("li");
  li.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
  $("changes").append(li);
}

async function main() {
  if (!account) {
    setState("error", "error: add ?account=<id> (and &server=<url>) to the address");
    return;
  }
  $("account").textContent = account;
  const key = `account-${account}`;
  const nexus = connectNexusWeb(server);
  const watch = nexus.watchDocuments("account-balance", [key], {
    // Retryable errors (the server restarting, ...) reconnect and resume.
    onReconnect: (e, attempt) => setState("connecting", `reconnecting (attempt ${attempt}): ${e?.message ?? "stream ended"}`),
  });
  for await (const ev of watch) {
    switch (ev.kind.case) {
      case "current": // the snapshot: the document as it is now
        show(ev.kind.value.document);
        break;
      case "live": // snapshot done; changes follow as they happen
        setState("live", `live from ${server}`);
        break;
      case "change": {
        const change = ev.kind.value;
        if (change.kind === WatchEvent_Change_Kind.DELETE) {
          show(undefined);
          addChange("account closed");
        } else {
          show(change.document);
          const body = change.document?.body ?? {};
          addChange(`v${change.document?.version ?? "?"}: balance ${money(body.balance, body.currency)}`);
        }
        setState("live", `live from ${server}`);
        break;
      }
      case "reset": // the projection was rebuilt: a new snapshot follows
        show(undefined);
        addChange("projection reset");
        break;
    }
  }
}

main().catch((e: unknown) => {
  const err = NexusError.from(e);
  // A refused CORS preflight or an unreachable server: fetch only says "Failed to fetch".
  const hint = /fetch/i.test(err.message)
    ? ` (is ${server} up, and does it allow this page's origin ${location.origin}? See NEXUS_GRPC_WEB__ALLOWED_ORIGINS)`
    : "";
  setState("error", `error: ${err.codeName}: ${err.message}${hint}`);
  console.error(e);
});
