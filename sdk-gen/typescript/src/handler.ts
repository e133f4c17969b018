// Remote command handlers: decide commands for Nexus from this process
// (HandlerService.Serve). No Node imports: part of the browser-safe core.
import { create, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import type { NexusClient } from "./client.js";
import { NexusError } from "./errors.js";
import type { RecordedEvent } from "./gen/nexus/v1/event_pb.js";
import {
  DecideResultSchema,
  DecidedEventsSchema,
  HandlerService,
  RejectionSchema,
  ServeRequestSchema,
  type DecideRequest,
  type DecideResult,
  type HandlerRegistration,
  type ServeRequest,
} from "./gen/nexus/v1/handler_pb.js";
import type { ReconnectPolicy } from "./resumable.js";
import { backoffMs, sleep, type RetryPolicy } from "./retry.js";

/** The rejection reason sent when a decide function throws anything but Rejected. */
export const HANDLER_ERROR = "HANDLER_ERROR";

/** Reconnects of Handler.run: unbounded, 200 ms .. 5 s; a registration resets the count. */
export const DEFAULT_HANDLER_RECONNECT: Readonly<ReconnectPolicy> = Object.freeze({
  maxAttempts: Infinity,
  initialBackoffMs: 200,
  maxBackoffMs: 5_000,
  multiplier: 2,
});

// Errors another attempt will not fix: run() throws them. Everything else
// (UNAVAILABLE, a dropped instance, a server restart, the server ending the
// stream) makes it reconnect.
const FATAL = new Set<Code>([
  Code.InvalidArgument,
  Code.FailedPrecondition,
  Code.AlreadyExists,
  Code.NotFound,
  Code.PermissionDenied,
  Code.Unauthenticated,
  Code.Unimplemented,
]);

/**
 * Throw it in a decide function to refuse the command by a business rule.
 * The caller of Execute gets FAILED_PRECONDITION with an ErrorInfo of
 * `reason` (UPPER_SNAKE_CASE) and `metadata` (values become strings).
 */
export class Rejected extends Error {
  override name = "Rejected";
  readonly reason: string;
  readonly metadata: Record<string, string>;

  constructor(reason: string, message = "", metadata: Record<string, unknown> = {}) {
    super(message || reason);
    this.reason = reason;
    this.metadata = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)]));
  }
}

/** An event a decide function returns: `{ eventType, data }` or `[eventType, data]`. */
export type Decided = { eventType: string; data?: JsonObject } | readonly [eventType: string, data?: JsonObject];

/** What a decide function returns: nothing (no event), one event, or a list. */
export type DecideOutcome = Decided | readonly Decided[] | null | undefined | void;

/**
 * A decide function: the state folded from the aggregate's events, the
 * command's payload, and the whole request (ids, stream, deadline). Sync or
 * async; throws Rejected to refuse.
 */
export type DecideFn<S> = (state: S, command: JsonObject, request: DecideRequest) => DecideOutcome | Promise<DecideOutcome>;

/** Folds one stored event into the state; `data` is the event's decoded JSON (null if none). */
export type EvolveFn<S> = (state: S, eventType: string, data: JsonValue) => S;

/** What a Handler logs: decide errors, reconnects, registrations. */
export interface HandlerLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

const CONSOLE_LOGGER: HandlerLogger = {
  info() {},
  warn: (m) => console.warn(m),
  error: (m, e) => console.error(m, e),
};

/** Options of a Handler. */
export interface HandlerOptions<S> {
  /** For example "inventory-item" (not one the server handles in process). */
  aggregateType: string;
  /** Every event type the decide functions may return (the server refuses others; each needs a schema). */
  eventTypes: readonly string[];
  /** The state of a new aggregate: a function is called per request, a value is structuredClone'd. */
  initial?: S | (() => S);
  /** The fold; without it the state stays `initial`. */
  evolve?: EvolveFn<S>;
  /** Instance name for the server's logs (default: the server's). */
  name?: string;
  /** Requests the instance takes at once. Default 16. */
  maxInFlight?: number;
  /** Default: warnings and errors to the console. */
  logger?: HandlerLogger;
}

/** Options of Handler.run. */
export interface RunOptions {
  /** Overrides the handler's name. */
  name?: string;
  /** Overrides the handler's maxInFlight. */
  maxInFlight?: number;
  /** Stops run() (it then resolves); requests in flight go to other instances. */
  signal?: AbortSignal;
  /** Reconnect backoff; maxAttempts counts failures since the last registration. */
  reconnect?: Partial<ReconnectPolicy>;
  /** Called after each registration with the instance id and heartbeat interval. */
  onRegistered?: (instanceId: string, heartbeatMs: number) => void;
}

/**
 * A remote command handler for one aggregate type:
 *
 * ```ts
 * const item = new Handler({ aggregateType: "inventory-item", eventTypes: ["StockAdded"],
 *   initial: { available: 0 }, evolve: (s, _type, data: any) => ({ available: data.available }) });
 * item.command("AddStock", (state, cmd) =>
 *   ({ eventType: "StockAdded", data: { quantity: cmd.quantity, available: state.available + Number(cmd.quantity) } }));
 * await item.run(nexus, { signal });
 * ```
 */
export class Handler<S = unknown> {
  readonly aggregateType: string;
  readonly eventTypes: readonly string[];
  /** The current instance id (undefined while not registered). */
  instanceId: string | undefined;
  /** How many times an instance registered (1 + reconnects). */
  registrations = 0;
  /** How many decide requests this object has answered. */
  handled = 0;
  private readonly commands = new Map<string, DecideFn<S>>();
  private readonly options: HandlerOptions<S>;
  private readonly log: HandlerLogger;

  constructor(options: HandlerOptions<S>) {
    this.options = options;
    this.aggregateType = options.aggregateType;
    this.eventTypes = [...options.eventTypes];
    this.log = options.logger ?? CONSOLE_LOGGER;
  }

  /** Sets the decide function of `commandType`; returns the handler (chainable). */
  command(commandType: string, decide: DecideFn<S>): this {
    this.commands.set(commandType, decide);
    return this;
  }

  get commandTypes(): string[] {
    return [...this.commands.keys()];
  }

  /** The state after `events` (RecordedEvents, or [eventType, data] pairs). */
  fold(events: Iterable<RecordedEvent | readonly [string, JsonValue]>): S {
    const { initial, evolve } = this.options;
    let state = (typeof initial === "function" ? (initial as () => S)() : structuredClone(initial)) as S;
    const decoder = new TextDecoder();
    for (const e of events) {
      const [type, data] = Array.isArray(e)
        ? (e as readonly [string, JsonValue])
        : [(e as RecordedEvent).eventType, decodeJson(decoder, (e as RecordedEvent).data)];
      if (evolve) state = evolve(state, type, data);
    }
    return state;
  }

  /** Answers one DecideRequest (what run() does for each; handy in unit tests). */
  async decide(request: DecideRequest): Promise<DecideResult> {
    const result = create(DecideResultSchema, { requestId: request.requestId });
    try {
      const fn = this.commands.get(request.commandType);
      if (!fn) throw new Rejected("UNKNOWN_COMMAND", `no decide function for ${JSON.stringify(request.commandType)}`);
      const state = this.fold(request.events);
      const outcome = await fn(state, request.payload ?? {}, request);
      const events = normalize(outcome).map(([eventType, data]) => {
        if (!this.eventTypes.includes(eventType)) {
          throw new Error(`event type ${JSON.stringify(eventType)} is not among the registered ${this.eventTypes.join(", ")}`);
        }
        return { eventType, data: data ?? {} };
      });
      result.outcome = { case: "events", value: create(DecidedEventsSchema, { events }) };
    } catch (e) {
      if (e instanceof Rejected) {
        const { reason, message, metadata } = e;
        result.outcome = { case: "rejection", value: create(RejectionSchema, { reason, message, metadata }) };
      } else {
        const name = e instanceof Error ? e.name : typeof e;
        this.log.error(
          `${request.commandType} ${request.aggregateType}/${request.aggregateId} (request ${request.requestId}) failed`,
          e,
        );
        result.outcome = {
          case: "rejection",
          value: create(RejectionSchema, {
            reason: HANDLER_ERROR,
            message: `${name}: ${e instanceof Error ? e.message : String(e)}`.slice(0, 1000),
            metadata: { exception: name },
          }),
        };
      }
    }
    return result;
  }

  /**
   * Serves decide requests until `options.signal` aborts (then resolves).
   * `target` is a NexusClient (its transport, TLS and token are used) or a
   * connect Transport. When the stream breaks or the server ends it,
   * reconnects with backoff and registers again; throws NexusError when the
   * registration is refused (INVALID_ARGUMENT, PERMISSION_DENIED,
   * UNAUTHENTICATED, ...) or the reconnects run out.
   */
  async run(target: NexusClient | Transport, options: RunOptions = {}): Promise<void> {
    if (this.commands.size === 0) throw new Error("the handler has no command: add one with handler.command(...)");
    const transport = "unary" in target ? target : target.transport;
    const client = createClient(HandlerService, transport);
    const policy: RetryPolicy = { ...DEFAULT_HANDLER_RECONNECT, ...options.reconnect };
    const registration = {
      aggregateType: this.aggregateType,
      commandTypes: this.commandTypes,
      eventTypes: [...this.eventTypes],
      instanceName: options.name ?? this.options.name ?? "",
      maxInFlight: options.maxInFlight ?? this.options.maxInFlight ?? 16,
    };
    const { signal } = options;
    let attempt = 0;
    for (;;) {
      if (signal?.aborted) return;
      let registered = false;
      let error: NexusError | undefined;
      try {
        await this.session(client, registration, signal, (id, ms) => {
          registered = true;
          attempt = 0;
          options.onRegistered?.(id, ms);
        });
        if (signal?.aborted) return;
        this.log.warn("the server ended the handler stream; reconnecting");
      } catch (e) {
        if (signal?.aborted) return;
        error = NexusError.from(e);
        if (FATAL.has(error.code)) throw error;
        this.log.warn(`handler stream failed (${error.message}); reconnecting`);
      } finally {
        this.instanceId = undefined;
      }
      attempt++;
      if (!registered && attempt >= policy.maxAttempts) {
        throw error ?? new NexusError(new ConnectError("the handler stream keeps ending", Code.Unavailable));
      }
      try {
        await sleep(error?.retryDelayMs ?? backoffMs(policy, attempt), signal);
      } catch {
        return; // aborted while waiting
      }
    }
  }

  /** One Serve stream, until it ends or fails. */
  private async session(
    client: ReturnType<typeof createClient<typeof HandlerService>>,
    registration: Omit<HandlerRegistration, "$typeName" | "$unknown">,
    signal: AbortSignal | undefined,
    onRegistered: (id: string, heartbeatMs: number) => void,
  ): Promise<void> {
    const ctl = new AbortController();
    const onAbort = () => ctl.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) ctl.abort(signal.reason);
    const outbox = new Outbox(ctl.signal);
    const limit = new Semaphore(registration.maxInFlight || 16);
    let heartbeatMs = 0; // 0 until registered: the writer waits without heartbeats
    let timer: ReturnType<typeof setTimeout> | undefined;
    let silent = false;
    // Reconnect when the server says nothing for three heartbeat intervals
    // (before the registration is answered: REGISTER_TIMEOUT_MS).
    const silence = () => (heartbeatMs > 0 ? 3 * heartbeatMs : REGISTER_TIMEOUT_MS);
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        silent = true;
        ctl.abort();
      }, silence());
    };
    async function* requests(): AsyncGenerator<ServeRequest> {
      yield create(ServeRequestSchema, { message: { case: "register", value: registration } });
      const heartbeat = create(ServeRequestSchema, { message: { case: "heartbeat", value: {} } });
      for (;;) {
        const next = await outbox.take(heartbeatMs > 0 ? heartbeatMs / 3 : undefined);
        if (next === CLOSED) return;
        yield next ?? heartbeat;
      }
    }
    try {
      arm();
      let first = true;
      for await (const message of client.serve(requests(), { signal: ctl.signal })) {
        if (first) {
          first = false;
          if (message.message.case !== "registered") {
            throw new ConnectError(`the server answered the registration with ${message.message.case}`, Code.Unavailable);
          }
          const r = message.message.value;
          heartbeatMs = Math.max(r.heartbeatIntervalMillis || 5_000, 50);
          this.instanceId = r.instanceId;
          this.registrations++;
          this.log.info(`registered ${registration.aggregateType} as instance ${r.instanceId}, heartbeat every ${heartbeatMs} ms`);
          outbox.wake(); // start heartbeats
          onRegistered(r.instanceId, heartbeatMs);
        } else if (message.message.case === "decide") {
          void this.answer(message.message.value, outbox, limit, ctl.signal);
        }
        arm();
      }
    } catch (e) {
      if (silent) throw new ConnectError(`no message from the server for ${silence()} ms`, Code.Unavailable);
      throw e;
    } finally {
      // Requests in flight are lost with the stream; the server sends them
      // to another instance.
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      ctl.abort();
      outbox.close();
    }
  }

  private async answer(request: DecideRequest, outbox: Outbox, limit: Semaphore, alive: AbortSignal) {
    await limit.acquire();
    try {
      if (alive.aborted) return;
      const result = await this.decide(request);
      if (alive.aborted) return;
      this.handled++;
      outbox.push(create(ServeRequestSchema, { message: { case: "result", value: result } }));
    } finally {
      limit.release();
    }
  }
}

function decodeJson(decoder: TextDecoder, data: Uint8Array): JsonValue {
  return data.length ? (JSON.parse(decoder.decode(data)) as JsonValue) : null;
}

function normalize(outcome: DecideOutcome): (readonly [string, JsonObject | undefined])[] {
  if (outcome === null || outcome === undefined) return [];
  const one = (d: Decided) => (Array.isArray(d) ? [d[0], d[1]] as const : [(d as { eventType: string }).eventType, (d as { data?: JsonObject }).data] as const);
  if (Array.isArray(outcome)) {
    if (typeof outcome[0] === "string") return [one(outcome as unknown as Decided)];
    return (outcome as readonly Decided[]).map(one);
  }
  return [one(outcome as Decided)];
}

const CLOSED = Symbol("closed");
const REGISTER_TIMEOUT_MS = 30_000;

/** The messages to send; take() waits up to `ms` (undefined: forever), then gives undefined (a heartbeat). */
class Outbox {
  private readonly items: ServeRequest[] = [];
  private waiter: (() => void) | undefined;
  private closed = false;

  constructor(signal: AbortSignal) {
    signal.addEventListener("abort", () => this.close(), { once: true });
  }

  push(item: ServeRequest) {
    this.items.push(item);
    this.wake();
  }

  wake() {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  close() {
    this.closed = true;
    this.wake();
  }

  async take(ms: number | undefined): Promise<ServeRequest | undefined | typeof CLOSED> {
    if (this.closed) return CLOSED;
    if (this.items.length) return this.items.shift();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.waiter = resolve;
      if (ms !== undefined) timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
    this.waiter = undefined;
    if (this.closed) return CLOSED;
    return this.items.shift();
  }
}

class Semaphore {
  private readonly queue: (() => void)[] = [];
  constructor(private free: number) {}

  async acquire() {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  release() {
    const next = this.queue.shift();
    if (next) next();
    else this.free++;
  }
}
