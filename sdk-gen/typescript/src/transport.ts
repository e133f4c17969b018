import type { Interceptor, Transport } from "@connectrpc/connect";

/** A bearer token, or a function giving the current one (called per call). */
export type TokenSource = string | (() => string | Promise<string>);

/** Default deadline of unary calls: 10 s. Streams have none by default. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export interface CallDefaults {
  /** Sent as `authorization: Bearer <token>` on every call. */
  token?: TokenSource;
  /**
   * Deadline of unary calls that set none themselves; <= 0 disables it.
   * Streaming calls (subscriptions, watches) get no default deadline.
   * Default DEFAULT_TIMEOUT_MS.
   */
  timeoutMs?: number;
}

async function resolveToken(token: TokenSource): Promise<string> {
  return typeof token === "function" ? await token() : token;
}

async function withAuth(header: HeadersInit | undefined, token: TokenSource | undefined): Promise<Headers> {
  const headers = new Headers(header);
  if (token !== undefined && !headers.has("authorization")) {
    const value = await resolveToken(token);
    if (value) headers.set("authorization", `Bearer ${value}`);
  }
  return headers;
}

/**
 * Wraps any connect Transport (gRPC over HTTP/2 in Node, gRPC-Web in a
 * browser, ...) so that every call carries the bearer token and unary calls
 * get a default deadline. The generated service clients built on the result
 * inherit both.
 */
export function withCallDefaults(transport: Transport, defaults: CallDefaults = {}): Transport {
  const timeout = defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { token } = defaults;
  return {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      return transport.unary(
        method,
        signal,
        timeoutMs ?? (timeout > 0 ? timeout : undefined),
        await withAuth(header, token),
        input,
        contextValues,
      );
    },
    async stream(method, signal, timeoutMs, header, input, contextValues) {
      return transport.stream(method, signal, timeoutMs, await withAuth(header, token), input, contextValues);
    },
  };
}

/**
 * An interceptor sending `authorization: Bearer <token>`, for users who
 * build their own transport and want the token on it.
 */
export function bearerTokenInterceptor(token: TokenSource): Interceptor {
  return (next) => async (req) => {
    if (!req.header.has("authorization")) {
      const value = await resolveToken(token);
      if (value) req.header.set("authorization", `Bearer ${value}`);
    }
    return next(req);
  };
}
