// Browser entry ("@nexus/sdk/web"): the browser-safe core plus connectNexusWeb
// (gRPC-Web over fetch). No Node imports: bundle it for a page with esbuild,
// Vite, webpack, ...
import type { Transport } from "@connectrpc/connect";
import { createGrpcWebTransport, type GrpcWebTransportOptions } from "@connectrpc/connect-web";
import { NexusClient, type NexusClientOptions } from "./client.js";

export * from "./core.js";

/** Options of connectNexusWeb / createWebTransport. */
export interface WebConnectOptions extends NexusClientOptions {
  /** More options for connect-web's createGrpcWebTransport (fetch, interceptors, ...). */
  transport?: Partial<Omit<GrpcWebTransportOptions, "baseUrl">>;
}

function webBaseUrl(address: string): string {
  if (/^https?:\/\//.test(address)) return address.replace(/\/+$/, "");
  // "host:port": the page's own scheme (an https page may not call http).
  const scheme = (globalThis as { location?: { protocol?: string } }).location?.protocol === "https:" ? "https" : "http";
  return `${scheme}://${address}`;
}

/**
 * A gRPC-Web transport (fetch; binary frames). `address` is the server's URL
 * ("http://127.0.0.1:50051", "https://nexus.example.com") or "host:port"
 * (then the page's scheme).
 */
export function createWebTransport(address: string, options: WebConnectOptions = {}): Transport {
  return createGrpcWebTransport({ ...options.transport, baseUrl: webBaseUrl(address) });
}

/**
 * Connects to a Nexus server from a browser page over gRPC-Web. The server
 * must allow the page's origin (`[grpc_web] allowed_origins`, or env
 * NEXUS_GRPC_WEB__ALLOWED_ORIGINS) unless the page is served from the same
 * origin.
 *
 * ```ts
 * import { connectNexusWeb } from "@nexus/sdk/web";
 * const nexus = connectNexusWeb("https://nexus.example.com", { token });
 * for await (const ev of nexus.watchDocuments("account-balance", ["account-acc-1"])) { ... }
 * ```
 */
export function connectNexusWeb(address: string, options: WebConnectOptions = {}): NexusClient {
  return new NexusClient(createWebTransport(address, options), options);
}
