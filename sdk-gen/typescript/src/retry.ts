import { Code } from "@connectrpc/connect";
import { NexusError } from "./errors.js";

/**
 * How calls that are safe to retry are retried.
 *
 * The rule: a call is retried when it failed with UNAVAILABLE, or with
 * RESOURCE_EXHAUSTED or ABORTED *and* the server attached a RetryInfo, or
 * with CANCELLED that the caller did not ask for (the connection or the server
 * reset the call: an HTTP/2 RST_STREAM CANCEL, which is what a server that
 * shuts down or dies leaves); never on any other code (so
 * WRONG_EXPECTED_VERSION, which carries no RetryInfo, is never retried). The wait before attempt n+1 is the RetryInfo delay when
 * there is one, else `initialBackoffMs * multiplier^(n-1)` capped at
 * `maxBackoffMs`, with "equal jitter" (a random value between half of it and
 * all of it). At most `maxAttempts` attempts in all.
 */
export interface RetryPolicy {
  /** Attempts in all, including the first; 1 disables retries. Default 4. */
  maxAttempts: number;
  /** Backoff before the second attempt. Default 100 ms. */
  initialBackoffMs: number;
  /** Upper bound of the exponential backoff. Default 5 s. */
  maxBackoffMs: number;
  /** Growth factor of the backoff. Default 2. */
  multiplier: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 4,
  initialBackoffMs: 100,
  maxBackoffMs: 5_000,
  multiplier: 2,
});

/**
 * Whether `err` may be retried under the documented rule (see RetryPolicy).
 * `callerCancelled`: the caller aborted the call (then CANCELLED is final).
 */
export function isRetryable(err: NexusError, callerCancelled = false): boolean {
  switch (err.code) {
    case Code.Unavailable:
      return true;
    case Code.Canceled:
      return !callerCancelled;
    case Code.ResourceExhausted:
    case Code.Aborted:
      return err.retryDelayMs !== undefined;
    default:
      return false;
  }
}

/** The jittered exponential backoff before attempt `attempt + 1` (attempt >= 1). */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** (attempt - 1));
  return base / 2 + Math.random() * (base / 2);
}

/** Resolves after `ms`, or rejects with a Canceled NexusError when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(NexusError.from(signal.reason));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(NexusError.from(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `call` until it succeeds, fails with an error that is not retryable,
 * or `policy.maxAttempts` attempts have failed. Always throws NexusError.
 * Callers must make `call` idempotent (same ids on every attempt).
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  call: (attempt: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (e) {
      const err = NexusError.from(e);
      const aborted = signal?.aborted ?? false;
      if (attempt >= policy.maxAttempts || aborted || !isRetryable(err, aborted)) throw err;
      await sleep(err.retryDelayMs ?? backoffMs(policy, attempt), signal);
    }
  }
}
