// Serves the built example page (examples/browser/dist) on 127.0.0.1 — a
// static file server for trying the example, nothing more.
//
//   node examples/browser/serve.mjs [--port 8080] [--dir DIR]
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { port: { type: "string" }, dir: { type: "string" } } });
const dir = resolve(values.dir ?? join(dirname(fileURLToPath(import.meta.url)), "dist"));
const port = Number(values.port ?? 8080);
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".map": "application/json" };

createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
  const file = join(dir, path.endsWith("/") ? join(path, "index.html") : path);
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end("not found");
  }
}).listen(port, "127.0.0.1", () => {
  const origin = `http://127.0.0.1:${port}`;
  console.log(`serving ${dir} at ${origin}/`);
  console.log(`start nexus with NEXUS_GRPC_WEB__ALLOWED_ORIGINS='["${origin}"]', then open`);
  console.log(`  ${origin}/?server=http://127.0.0.1:50051&account=acc-1`);
});
