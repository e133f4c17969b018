import { create, type JsonObject, type JsonValue, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type CallOptions, type Client, type Transport } from "@connectrpc/connect";
import { NexusError } from "./errors.js";
import { CommandService, type ExecuteRequestSchema, type ExecuteResponse } from "./gen/nexus/v1/command_pb.js";
import {
  EventMetadataSchema,
  ReadDirection,
  type AllFromSchema,
  type ExpectedRevisionSchema,
  type Position,
  type ProposedEventSchema,
  type RecordedEvent,
} from "./gen/nexus/v1/event_pb.js";
import {
  EventStoreService,
  type AppendToStreamResponse,
  type ReadAllResponse,
  type ReadStreamResponse,
  type StreamFromSchema,
} from "./gen/nexus/v1/event_store_pb.js";
import { PolicyService } from "./gen/nexus/v1/policy_pb.js";
import {
  QueryService,
  type Document,
  type SearchRequestSchema,
  type SearchResponse,
  type WatchEvent,
} from "./gen/nexus/v1/query_pb.js";
import { QueueService } from "./gen/nexus/v1/queue_pb.js";
import { SagaService } from "./gen/nexus/v1/saga_pb.js";
import { SchemaService } from "./gen/nexus/v1/schema_pb.js";
import { SnapshotService } from "./gen/nexus/v1/snapshot_pb.js";
import { TemporalQueryService } from "./gen/nexus/v1/temporal_pb.js";
import { resumable, type ResumableOptions } from "./resumable.js";
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from "./retry.js";
import { withCallDefaults, type CallDefaults } from "./transport.js";

/** Options of a NexusClient. */
export interface NexusClientOptions extends CallDefaults {
  /** Retry policy of the calls that are safe to retry (see RetryPolicy). */
  retry?: Partial<RetryPolicy>;
}

/** Per-call options of the helpers. */
export interface CallOpts {
  /** Cancels the call (and its retries). */
  signal?: AbortSignal;
  /** Deadline of each attempt; <= 0: none. Default: the client's timeoutMs. */
  timeoutMs?: number;
  /** Extra request headers. */
  headers?: HeadersInit;
  /** Overrides the client's retry policy for this call; false: one attempt only. */
  retry?: Partial<RetryPolicy> | false;
}

/** Expected stream state: any, no stream, stream exists, or an exact last revision. */
export type Expected = "any" | "noStream" | "streamExists" | bigint | number;

/** Correlation and causation ids. */
export interface CausalIds {
  /** Shared by every message of one business flow. */
  correlationId?: string;
  /** The message that directly caused this one. */
  causationId?: string;
}

/** Options of NexusClient.execute. */
export interface ExecuteOptions extends CallOpts, CausalIds {
  /**
   * Idempotency key. A fresh UUID is used when absent, so retries are safe;
   * pass your own to make retries across processes safe too.
   */
  commandId?: string;
  /** The aggregate must be at exactly this state (no server-side retry on conflict). */
  expectedRevision?: Expected;
}

/** An event to append. */
export interface EventData {
  /** The event type, e.g. "MoneyDeposited". */
  eventType: string;
  /** JSON value (serialised for you) or raw bytes (set contentType). */
  data: JsonValue | Uint8Array;
  /** Event id (UUID); a fresh one is filled in once, before the first attempt. */
  eventId?: string;
  /** Default "application/json". */
  contentType?: string;
  /** Schema version of the payload; 0 / absent: the latest. */
  schemaVersion?: number;
  /** Per-event ids (override the append's). */
  correlationId?: string;
  causationId?: string;
  /** Free-form string headers. */
  custom?: Record<string, string>;
}

/** Options of NexusClient.append. */
export interface AppendOptions extends CallOpts, CausalIds {
  /** Optimistic concurrency; absent: any. */
  expectedRevision?: Expected;
}

/** Options of NexusClient.readStream. */
export interface ReadStreamOptions extends CallOpts {
  /** Inclusive start revision; absent: first (forwards) or last (backwards). */
  fromRevision?: bigint | number;
  /** Default forwards. */
  backwards?: boolean;
  /** Page size; default 100 (server), at most 4096. */
  pageSize?: number;
  /** Payloads as stored (no upcasting). */
  asStored?: boolean;
}

/** Where a global read or subscription starts. */
export type AllStart = "start" | "end" | { after: string };

/** Options of NexusClient.readAll. */
export interface ReadAllOptions extends CallOpts {
  /** Default "start" (forwards) / "end" (backwards). */
  from?: AllStart;
  backwards?: boolean;
  pageSize?: number;
  filter?: { eventTypePrefixes?: string[]; streamPrefixes?: string[] };
  asStored?: boolean;
}

/** Options of the subscription helpers. */
export interface SubscribeOptions extends ResumableOptions {
  /** Called each time the subscription has delivered the history and is live (again after each reconnect). */
  onCaughtUp?: () => void;
  /** Server heartbeat while idle; default 10 s (server). */
  heartbeatMs?: number;
  /**
   * Reconnect when nothing (not even a heartbeat) arrives for this long.
   * Default 3 heartbeats (30 s with the default heartbeat); <= 0 disables.
   */
  idleTimeoutMs?: number;
  /** Payloads as stored (no upcasting). */
  asStored?: boolean;
  /** Extra request headers. */
  headers?: HeadersInit;
}

/** Options of NexusClient.subscribeAll. */
export interface SubscribeAllOptions extends SubscribeOptions {
  /** Default "start". "end" is resolved to the current last position first. */
  from?: AllStart;
  filter?: { eventTypePrefixes?: string[]; streamPrefixes?: string[] };
}

/** Options of NexusClient.subscribeStream. */
export interface SubscribeStreamOptions extends SubscribeOptions {
  /** Default "start"; or continue after a revision. "end" is resolved to the current last revision first. */
  from?: "start" | "end" | { afterRevision: bigint | number };
}

/** Options of NexusClient.watchDocuments. */
export interface WatchOptions extends ResumableOptions {
  /** Resume after this watch position instead of starting with a snapshot. */
  resumeAfter?: string;
  headers?: HeadersInit;
}

/**
 * An iterable of events that reconnects on disconnects and resumes right
 * after the last event (or checkpoint) it saw: no event is lost or repeated.
 * Iterate it once; stop with `break`, the signal option, or close().
 */
export class Subscription<Item> implements AsyncIterable<Item> {
  private readonly ctl = new AbortController();
  private readonly gen: AsyncGenerator<Item, void, undefined>;
  /** Where the subscription will resume: a position token (subscribeAll) or revision (subscribeStream). */
  get resumePoint(): string | bigint | undefined {
    return this.state.point;
  }

  /** @internal */
  constructor(
    private readonly state: { point: string | bigint | undefined },
    make: (signal: AbortSignal) => AsyncGenerator<Item, void, undefined>,
    signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener("abort", () => this.ctl.abort(signal.reason), { once: true });
    if (signal?.aborted) this.ctl.abort(signal.reason);
    this.gen = make(this.ctl.signal);
  }

  [Symbol.asyncIterator](): AsyncGenerator<Item, void, undefined> {
    return this.gen;
  }

  /** Cancels the call; a pending or later next() ends the iteration. */
  close(): void {
    this.ctl.abort();
  }
}

function uuid(): string {
  return globalThis.crypto.randomUUID();
}

function expected(e: Expected | undefined): MessageInitShape<typeof ExpectedRevisionSchema> | undefined {
  switch (e) {
    case undefined:
      return undefined;
    case "any":
      return { kind: { case: "any", value: {} } };
    case "noStream":
      return { kind: { case: "noStream", value: {} } };
    case "streamExists":
      return { kind: { case: "streamExists", value: {} } };
    default:
      return { kind: { case: "exact", value: BigInt(e) } };
  }
}

function allFrom(from: AllStart | undefined): MessageInitShape<typeof AllFromSchema> | undefined {
  if (from === undefined) return undefined;
  if (from === "start") return { kind: { case: "start", value: {} } };
  if (from === "end") return { kind: { case: "end", value: {} } };
  return { kind: { case: "after", value: from.after } };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The JSON payload of an event (or any bytes holding JSON). */
export function eventJson<T = JsonValue>(event: Pick<RecordedEvent, "data">): T {
  return JSON.parse(decoder.decode(event.data)) as T;
}

/**
 * A Nexus client over any connect Transport: gRPC over HTTP/2 in Node
 * (see connectNexus in "./node"), gRPC-Web in a browser, or an in-memory one.
 *
 * The helper methods add idempotent retries, correlation ids and typed errors
 * (they always throw NexusError). The generated clients (`commands`,
 * `eventStore`, `queries`, ...) are there for everything else; they share the
 * token and default deadline but not the retries, and throw ConnectError
 * (wrap with NexusError.from).
 */
export class NexusClient {
  /** The transport with the token and default deadline applied. */
  readonly transport: Transport;
  readonly commands: Client<typeof CommandService>;
  readonly eventStore: Client<typeof EventStoreService>;
  readonly queries: Client<typeof QueryService>;
  readonly schemas: Client<typeof SchemaService>;
  readonly snapshots: Client<typeof SnapshotService>;
  readonly sagas: Client<typeof SagaService>;
  readonly temporal: Client<typeof TemporalQueryService>;
  readonly policies: Client<typeof PolicyService>;
  readonly queues: Client<typeof QueueService>;
  private readonly retryPolicy: RetryPolicy;

  constructor(transport: Transport, options: NexusClientOptions = {}) {
    this.transport = withCallDefaults(transport, options);
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.commands = createClient(CommandService, this.transport);
    this.eventStore = createClient(EventStoreService, this.transport);
    this.queries = createClient(QueryService, this.transport);
    this.schemas = createClient(SchemaService, this.transport);
    this.snapshots = createClient(SnapshotService, this.transport);
    this.sagas = createClient(SagaService, this.transport);
    this.temporal = createClient(TemporalQueryService, this.transport);
    this.policies = createClient(PolicyService, this.transport);
    this.queues = createClient(QueueService, this.transport);
  }

  /** Runs one idempotent unary call with the retry policy; throws NexusError. */
  private retrying<T>(opts: CallOpts, call: (options: CallOptions) => Promise<T>): Promise<T> {
    const policy = opts.retry === false ? { ...this.retryPolicy, maxAttempts: 1 } : { ...this.retryPolicy, ...opts.retry };
    const options: CallOptions = { signal: opts.signal, timeoutMs: opts.timeoutMs, headers: opts.headers };
    return withRetry(policy, opts.signal, () => call(options));
  }

  /**
   * Executes a command. A command id is filled in (once) when absent, so
   * retries after UNAVAILABLE return the first execution's result
   * (`alreadyExecuted: true`) instead of executing twice.
   */
  execute(
    aggregateType: string,
    aggregateId: string,
    commandType: string,
    payload: JsonObject,
    options: ExecuteOptions = {},
  ): Promise<ExecuteResponse> {
    return this.executeRequest(
      {
        aggregateType,
        aggregateId,
        commandType,
        payload,
        commandId: options.commandId,
        correlationId: options.correlationId,
        causationId: options.causationId,
        expectedRevision: expected(options.expectedRevision),
      },
      options,
    );
  }

  /**
   * Executes a fully specified ExecuteRequest. Retried only when it has a
   * command id: one is filled in when empty unless `fillCommandId` is false.
   */
  executeRequest(
    request: MessageInitShape<typeof ExecuteRequestSchema>,
    options: CallOpts & { fillCommandId?: boolean } = {},
  ): Promise<ExecuteResponse> {
    const req = { ...request };
    if (!req.commandId && options.fillCommandId !== false) req.commandId = uuid();
    const retry = req.commandId ? options.retry : false;
    return this.retrying({ ...options, retry }, (o) => this.commands.execute(req, o));
  }

  /**
   * Appends events to a stream. Event ids are filled in once before the
   * first attempt, so a retried append is stored once
   * (`alreadyAppended: true` on the retry that finds it stored).
   */
  append(streamId: string, events: EventData[], options: AppendOptions = {}): Promise<AppendToStreamResponse> {
    const proposed: MessageInitShape<typeof ProposedEventSchema>[] = events.map((e) => {
      const bytes = e.data instanceof Uint8Array;
      return {
        eventId: e.eventId ?? uuid(),
        eventType: e.eventType,
        contentType: e.contentType ?? (bytes ? "" : "application/json"),
        data: e.data instanceof Uint8Array ? e.data : encoder.encode(JSON.stringify(e.data)),
        schemaVersion: e.schemaVersion ?? 0,
        metadata: create(EventMetadataSchema, {
          correlationId: e.correlationId ?? options.correlationId ?? "",
          causationId: e.causationId ?? options.causationId ?? "",
          custom: e.custom ?? {},
        }),
      };
    });
    const req = { streamId, expectedRevision: expected(options.expectedRevision), events: proposed };
    return this.retrying(options, (o) => this.eventStore.appendToStream(req, o));
  }

  /** Reads one page of a stream. */
  readStream(streamId: string, options: ReadStreamOptions = {}): Promise<ReadStreamResponse> {
    const req = {
      streamId,
      direction: options.backwards ? ReadDirection.BACKWARDS : ReadDirection.FORWARDS,
      fromRevision: options.fromRevision === undefined ? undefined : BigInt(options.fromRevision),
      pageSize: options.pageSize ?? 0,
      asStored: options.asStored ?? false,
    };
    return this.retrying(options, (o) => this.eventStore.readStream(req, o));
  }

  /** Every event of a stream, page after page (forwards unless `backwards`). */
  async *readStreamEvents(streamId: string, options: ReadStreamOptions = {}): AsyncGenerator<RecordedEvent> {
    let from = options.fromRevision;
    for (;;) {
      const page = await this.readStream(streamId, { ...options, fromRevision: from });
      yield* page.events;
      if (page.nextRevision === undefined || page.events.length === 0) return;
      from = page.nextRevision;
    }
  }

  /** Reads one page of the global log. */
  readAll(options: ReadAllOptions = {}): Promise<ReadAllResponse> {
    const req = {
      from: allFrom(options.from),
      direction: options.backwards ? ReadDirection.BACKWARDS : ReadDirection.FORWARDS,
      pageSize: options.pageSize ?? 0,
      filter: options.filter,
      asStored: options.asStored ?? false,
    };
    return this.retrying(options, (o) => this.eventStore.readAll(req, o));
  }

  /** Lists the aggregate types and their command types. */
  async listAggregateTypes(options: CallOpts = {}) {
    return (await this.retrying(options, (o) => this.commands.listAggregateTypes({}, o))).aggregateTypes;
  }

  /**
   * One projected document. `consistency` makes the read wait until the
   * projection has applied that position (e.g. an ExecuteResponse event's
   * position): read-your-writes.
   */
  async getDocument(
    projection: string,
    key: string,
    options: CallOpts & { consistency?: Position | string; consistencyTimeoutMs?: number } = {},
  ): Promise<Document> {
    const position = typeof options.consistency === "string" ? { token: options.consistency } : options.consistency;
    const req = {
      projection,
      key,
      consistency:
        position === undefined
          ? undefined
          : {
              position,
              timeout:
                options.consistencyTimeoutMs === undefined ? undefined : durationFromMs(options.consistencyTimeoutMs),
            },
    };
    const res = await this.retrying(options, (o) => this.queries.getDocument(req, o));
    if (!res.document) throw new NexusError(new ConnectError("no document in the response", Code.Internal));
    return res.document;
  }

  /** Searches a projection (see SearchRequest). */
  search(request: MessageInitShape<typeof SearchRequestSchema>, options: CallOpts = {}): Promise<SearchResponse> {
    return this.retrying(options, (o) => this.queries.search(request, o));
  }

  /**
   * Follows the global log: yields events in commit order, first the history
   * from `from`, then live ones. On a disconnect it reconnects with backoff
   * and resumes after the last event or checkpoint received, so every event
   * is delivered exactly once and in order.
   */
  subscribeAll(options: SubscribeAllOptions = {}): Subscription<RecordedEvent> {
    const state: { point: string | undefined } = {
      point: typeof options.from === "object" ? options.from.after : undefined,
    };
    let from: AllStart = options.from ?? "start";
    const heartbeatInterval = options.heartbeatMs === undefined ? undefined : durationFromMs(options.heartbeatMs);
    const record = (p: Position | undefined) => {
      if (p?.token) {
        state.point = p.token;
        from = { after: p.token };
      }
    };
    const make = (signal: AbortSignal) =>
      resumable(
        async (callSignal) => {
          if (from === "end") {
            // Resolve "end" to a concrete position so a reconnect misses nothing.
            const last = await this.readAll({ from: "end", backwards: true, pageSize: 1, signal: callSignal });
            from = last.events[0]?.position?.token ? { after: last.events[0].position.token } : "start";
            if (typeof from === "object") state.point = from.after;
          }
          return this.eventStore.subscribeAll(
            { from: allFrom(from), filter: options.filter, heartbeatInterval, asStored: options.asStored ?? false },
            { signal: callSignal, headers: options.headers },
          );
        },
        (resp) => {
          switch (resp.content.case) {
            case "event":
              record(resp.content.value.position);
              return resp.content.value;
            case "checkpoint":
              record(resp.content.value.position);
              return undefined;
            case "caughtUp":
              record(resp.content.value.position);
              options.onCaughtUp?.();
              return undefined;
            default:
              return undefined;
          }
        },
        { ...options, signal, idleTimeoutMs: idleTimeout(options) },
      );
    return new Subscription(state, make, options.signal);
  }

  /**
   * Follows one stream (waiting for it if it does not exist yet): yields its
   * events in revision order, resuming after the last revision received on
   * a disconnect.
   */
  subscribeStream(streamId: string, options: SubscribeStreamOptions = {}): Subscription<RecordedEvent> {
    const initial = options.from ?? "start";
    const state: { point: bigint | undefined } = {
      point: typeof initial === "object" ? BigInt(initial.afterRevision) : undefined,
    };
    let resolvedEnd = initial !== "end";
    const heartbeatInterval = options.heartbeatMs === undefined ? undefined : durationFromMs(options.heartbeatMs);
    const make = (signal: AbortSignal) =>
      resumable(
        async (callSignal) => {
          if (!resolvedEnd) {
            // Resolve "end" to the current last revision so a reconnect misses nothing.
            try {
              const last = await this.readStream(streamId, { backwards: true, pageSize: 1, signal: callSignal });
              if (last.events[0]) state.point = last.events[0].streamRevision;
            } catch (e) {
              if (NexusError.from(e).code !== Code.NotFound) throw e;
            }
            resolvedEnd = true;
          }
          const from: MessageInitShape<typeof StreamFromSchema> =
            state.point === undefined
              ? { kind: { case: "start", value: {} } }
              : { kind: { case: "afterRevision", value: state.point } };
          return this.eventStore.subscribeStream(
            { streamId, from, heartbeatInterval, asStored: options.asStored ?? false },
            { signal: callSignal, headers: options.headers },
          );
        },
        (resp) => {
          switch (resp.content.case) {
            case "event":
              state.point = resp.content.value.streamRevision;
              return resp.content.value;
            case "caughtUp":
              options.onCaughtUp?.();
              return undefined;
            default:
              return undefined;
          }
        },
        { ...options, signal, idleTimeoutMs: idleTimeout(options) },
      );
    return new Subscription(state, make, options.signal);
  }

  /**
   * Watches documents of a projection by key: yields WatchEvents (Current
   * documents, Live, then Change for every write; Reset when the server asks
   * to start over). On a disconnect it reconnects and resumes after the last
   * watch position received, so no change is lost or repeated.
   */
  watchDocuments(projection: string, keys: string[], options: WatchOptions = {}): Subscription<WatchEvent> {
    const state: { point: string | undefined } = { point: options.resumeAfter };
    const make = (signal: AbortSignal) =>
      resumable(
        (callSignal) =>
          this.queries.watchDocuments(
            { projection, keys, resumeAfter: state.point ?? "" },
            { signal: callSignal, headers: options.headers },
          ),
        (resp) => {
          if (!resp.event) return undefined;
          if (resp.event.watchPosition) state.point = resp.event.watchPosition;
          return resp.event;
        },
        { ...options, signal },
      );
    return new Subscription(state, make, options.signal);
  }
}

function idleTimeout(options: SubscribeOptions): number | undefined {
  const ms = options.idleTimeoutMs ?? 3 * (options.heartbeatMs ?? 10_000);
  return ms > 0 ? ms : undefined;
}

