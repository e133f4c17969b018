import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
} from "./gen/google/rpc/error_details_pb.js";

/** One invalid field of a request (google.rpc.BadRequest.FieldViolation). */
export interface FieldViolation {
  /** Path of the field, for example "payload.amount" or "events[0].data". */
  field: string;
  /** Why it is invalid. */
  description: string;
  /** Machine-readable reason, when the server gave one. */
  reason: string;
}

/**
 * The one error type of this SDK: a gRPC status with its google.rpc details
 * (from the `grpc-status-details-bin` trailer) decoded.
 *
 * ```ts
 * try { await nexus.execute(...) } catch (e) {
 *   if (e instanceof NexusError && e.reason === "INSUFFICIENT_FUNDS") ...
 * }
 * ```
 */
export class NexusError extends Error {
  override name = "NexusError";
  /** The gRPC status code (connect's Code enum; Code[code] is its name). */
  readonly code: Code;
  /** The server's message, without the "[code]" prefix. */
  readonly rawMessage: string;
  /** google.rpc.ErrorInfo reason, e.g. WRONG_EXPECTED_VERSION; "" if none. */
  readonly reason: string;
  /** google.rpc.ErrorInfo domain (e.g. "nexus"); "" if none. */
  readonly domain: string;
  /** google.rpc.ErrorInfo metadata (e.g. {actual_revision: "3"}). */
  readonly metadata: Readonly<Record<string, string>>;
  /** google.rpc.BadRequest field violations (empty if none). */
  readonly fieldViolations: readonly FieldViolation[];
  /** google.rpc.RetryInfo delay in milliseconds, if the server sent one. */
  readonly retryDelayMs: number | undefined;
  /** The underlying ConnectError. */
  override readonly cause: ConnectError;

  constructor(err: ConnectError) {
    super(err.message);
    this.cause = err;
    this.code = err.code;
    this.rawMessage = err.rawMessage;
    const info = safeDetails(err, ErrorInfoSchema)[0];
    this.reason = info?.reason ?? "";
    this.domain = info?.domain ?? "";
    this.metadata = { ...(info?.metadata ?? {}) };
    this.fieldViolations = safeDetails(err, BadRequestSchema).flatMap((b) =>
      b.fieldViolations.map((v) => ({ field: v.field, description: v.description, reason: v.reason })),
    );
    const retry = safeDetails(err, RetryInfoSchema)[0];
    this.retryDelayMs =
      retry?.retryDelay !== undefined
        ? Number(retry.retryDelay.seconds) * 1000 + Math.floor(retry.retryDelay.nanos / 1e6)
        : undefined;
  }

  /** The code's name, e.g. "Aborted" (connect's spelling of ABORTED). */
  get codeName(): string {
    return Code[this.code];
  }

  /**
   * Wraps anything thrown by a connect call (ConnectError, AbortError, a
   * network error, ...) into a NexusError; a NexusError is returned as is.
   */
  static from(err: unknown): NexusError {
    if (err instanceof NexusError) return err;
    return new NexusError(ConnectError.from(err));
  }
}

function safeDetails<Desc extends DescMessage>(err: ConnectError, desc: Desc): MessageShape<Desc>[] {
  try {
    return err.findDetails(desc);
  } catch {
    return [];
  }
}
