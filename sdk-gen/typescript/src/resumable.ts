import { Code, ConnectError } from "@connectrpc/connect";
import { NexusError } from "./errors.js";
import { backoffMs, isRetryable, sleep, type RetryPolicy } from "./retry.js";

/** How a subscription or watch reconnects after a disconnect. */
export interface ReconnectPolicy {
  /**
   * Consecutive failed connections before the iterator throws; a connection
   * that delivered at least one message resets the count. Default Infinity.
   */
  maxAttempts: number;
  /** Backoff before the first reconnect. Default 100 ms. */
  initialBackoffMs: number;
  /** Upper bound of the backoff. Default 5 s. */
  maxBackoffMs: number;
  /** Growth factor of the backoff. Default 2. */
  multiplier: number;
}

export const DEFAULT_RECONNECT_POLICY: Readonly<ReconnectPolicy> = Object.freeze({
  maxAttempts: Infinity,
  initialBackoffMs: 100,
  maxBackoffMs: 5_000,
  multiplier: 2,
});

/** Options shared by the subscription and watch helpers. */
export interface ResumableOptions {
  /** Stops the iteration (it then ends without error). */
  signal?: AbortSignal;
  /** Reconnect backoff and bound. */
  reconnect?: Partial<ReconnectPolicy>;
  /** Called before each reconnect with the error (undefined: the server ended the stream) and the attempt number. */
  onReconnect?: (error: NexusError | undefined, attempt: number) => void;
}

/**
 * The engine of the subscription and watch helpers: calls `open` with an
 * abort signal, passes every response to `handle` (which records the resume
 * point and returns the item to yield, or undefined), and on a disconnect
 * (a retryable error as defined in retry.ts: UNAVAILABLE, a CANCELLED the
 * caller did not ask for, RESOURCE_EXHAUSTED/ABORTED with RetryInfo; the
 * server ending the stream without the caller cancelling; no message for
 * `idleTimeoutMs`) reconnects with backoff by calling `open` again, which
 * must resume from the recorded point.
 *
 * Breaking out of a `for await` loop, or aborting `options.signal`, cancels
 * the call.
 */
export async function* resumable<Resp, Item>(
  open: (signal: AbortSignal) => AsyncIterable<Resp> | Promise<AsyncIterable<Resp>>,
  handle: (resp: Resp) => Item | undefined,
  options: ResumableOptions & { idleTimeoutMs?: number },
): AsyncGenerator<Item, void, undefined> {
  const policy: RetryPolicy = { ...DEFAULT_RECONNECT_POLICY, ...options.reconnect };
  const userSignal = options.signal;
  let failures = 0;
  for (;;) {
    if (userSignal?.aborted) return;
    const ctl = new AbortController();
    const onUserAbort = () => ctl.abort(userSignal?.reason);
    userSignal?.addEventListener("abort", onUserAbort, { once: true });
    let idle = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      if (options.idleTimeoutMs === undefined) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        idle = true;
        ctl.abort(new ConnectError("no message from the server in time", Code.Unavailable));
      }, options.idleTimeoutMs);
    };
    let error: NexusError | undefined;
    try {
      arm();
      for await (const resp of await open(ctl.signal)) {
        arm();
        failures = 0;
        const item = handle(resp);
        if (item !== undefined) yield item;
      }
      if (userSignal?.aborted) return;
    } catch (e) {
      if (userSignal?.aborted) return;
      error = idle
        ? new NexusError(new ConnectError("no message from the server in time", Code.Unavailable))
        : NexusError.from(e);
      if (!isRetryable(error, false)) throw error;
    } finally {
      clearTimeout(timer);
      userSignal?.removeEventListener("abort", onUserAbort);
      ctl.abort();
    }
    failures++;
    if (failures >= policy.maxAttempts) {
      throw error ?? new NexusError(new ConnectError("the server ended the stream", Code.Unavailable));
    }
    options.onReconnect?.(error, failures);
    try {
      await sleep(error?.retryDelayMs ?? backoffMs(policy, failures), userSignal);
    } catch {
      return; // aborted while waiting
    }
  }
}
