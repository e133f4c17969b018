import type { Transport } from "@connectrpc/connect";
import { createGrpcTransport, type GrpcTransportOptions } from "@connectrpc/connect-node";
import { NexusClient, type NexusClientOptions } from "./client.js";

/** Options of connectNexus / createNodeTransport. */
export interface ConnectOptions extends NexusClientOptions {
  /**
   * TLS: true for the system's CAs, or `{ ca }` (PEM) to trust a private CA.
   * Absent: plaintext, unless the address starts with https://.
   */
  tls?: boolean | { ca?: string | Uint8Array; serverName?: string };
  /** More options for connect-node's createGrpcTransport (HTTP/2 pings, limits, ...). */
  transport?: Partial<Omit<GrpcTransportOptions, "baseUrl">>;
}

/**
 * A gRPC (HTTP/2) transport for Node. `address` is "host:port" or a URL
 * ("http://host:port", "https://host:port").
 */
export function createNodeTransport(address: string, options: ConnectOptions = {}): Transport {
  const tls = options.tls ?? address.startsWith("https://");
  const baseUrl = /^https?:\/\//.test(address) ? address : `${tls ? "https" : "http"}://${address}`;
  if (tls && baseUrl.startsWith("http://")) throw new Error(`tls requested for a plaintext URL: ${address}`);
  const nodeOptions = { ...options.transport?.nodeOptions } as Record<string, unknown>;
  if (typeof options.tls === "object") {
    if (options.tls.ca !== undefined) nodeOptions.ca = options.tls.ca;
    if (options.tls.serverName !== undefined) nodeOptions.servername = options.tls.serverName;
  }
  return createGrpcTransport({
    // Ping an idle connection so a dead peer is noticed.
    pingIntervalMs: 30_000,
    ...options.transport,
    nodeOptions,
    baseUrl,
  });
}

/**
 * Connects to a Nexus server from Node (lazily: the HTTP/2 connection opens
 * on the first call):
 *
 * ```ts
 * const nexus = connectNexus("127.0.0.1:50051", { token: process.env.NEXUS_TOKEN });
 * ```
 */
export function connectNexus(address: string, options: ConnectOptions = {}): NexusClient {
  return new NexusClient(createNodeTransport(address, options), options);
}
