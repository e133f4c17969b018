// Bundles the example page with esbuild: main.ts (importing "@nexus/sdk/web",
// resolved through the package's own exports to dist/, so run `npm run build`
// first; `npm run example:build` does both) and index.html into one directory.
//
//   node examples/browser/build.mjs [--outdir DIR]     (default examples/browser/dist)
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { outdir: { type: "string" } } });
const outdir = resolve(values.outdir ?? join(here, "dist"));

mkdirSync(outdir, { recursive: true });
await build({
  absWorkingDir: resolve(here, "..", ".."), // the package root: "@nexus/sdk" resolves to itself
  entryPoints: [join(here, "main.ts")],
  outfile: join(outdir, "main.js"),
  bundle: true,
  format: "esm",
  platform: "browser", // fails on any Node import
  target: "es2022",
  sourcemap: true,
  logLevel: "warning",
});
copyFileSync(join(here, "index.html"), join(outdir, "index.html"));
