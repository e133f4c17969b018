// Node entry: the browser-safe core plus connectNexus (gRPC over HTTP/2).
export * from "./core.js";
export { connectNexus, createNodeTransport, type ConnectOptions } from "./node.js";
