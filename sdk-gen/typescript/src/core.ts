// Browser-safe entry: everything but the Node transport. Use it with any
// connect Transport (for example createGrpcWebTransport from
// @connectrpc/connect-web): `new NexusClient(transport, { token })`.
export { NexusError, type FieldViolation } from "./errors.js";
export { DEFAULT_RETRY_POLICY, isRetryable, type RetryPolicy } from "./retry.js";
export { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy, type ResumableOptions } from "./resumable.js";
export {
  DEFAULT_TIMEOUT_MS,
  bearerTokenInterceptor,
  withCallDefaults,
  type CallDefaults,
  type TokenSource,
} from "./transport.js";
export {
  NexusClient,
  Subscription,
  eventJson,
  type AllStart,
  type AppendOptions,
  type CallOpts,
  type CausalIds,
  type EventData,
  type ExecuteOptions,
  type Expected,
  type NexusClientOptions,
  type ReadAllOptions,
  type ReadStreamOptions,
  type SubscribeAllOptions,
  type SubscribeOptions,
  type SubscribeStreamOptions,
  type WatchOptions,
} from "./client.js";
export { Code, ConnectError, type Transport } from "@connectrpc/connect";
export type { ExecuteResponse } from "./gen/nexus/v1/command_pb.js";
export type { Position, RecordedEvent } from "./gen/nexus/v1/event_pb.js";
export type { AppendToStreamResponse, ReadAllResponse, ReadStreamResponse } from "./gen/nexus/v1/event_store_pb.js";
export { WatchEvent_Change_Kind, type Document, type WatchEvent } from "./gen/nexus/v1/query_pb.js";
export {
  DEFAULT_HANDLER_RECONNECT,
  HANDLER_ERROR,
  Handler,
  Rejected,
  type DecideFn,
  type DecideOutcome,
  type Decided,
  type EvolveFn,
  type HandlerLogger,
  type HandlerOptions,
  type RunOptions,
} from "./handler.js";
export type { DecideRequest, DecideResult } from "./gen/nexus/v1/handler_pb.js";
