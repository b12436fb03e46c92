import type { ErrorCode } from "./error-codes.js";

/**
 * An error a caller can act on, raised by a module that knows nothing of
 * HTTP. It names its own code from the closed list (error-codes.ts), so the
 * HTTP error handler answers every one the same way without knowing the
 * class, and a new error needs no change there.
 */
export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  /** What a client needs beyond the message (the conflicting exemplars, the attempt trail). */
  readonly details?: unknown;
  /** When to come back, for a passing condition (a full lane, an upstream's rate limit). */
  readonly retryAfterSeconds?: number;
  /** Headers the answer carries (the gateway's x-tierline-* of the decision). */
  readonly headers?: Readonly<Record<string, string>>;
}
