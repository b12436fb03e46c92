import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "pino";
import type { ZodError } from "zod";
import { classifyDatabaseError } from "../adapters/db/db-errors.js";
import { DomainError } from "../base/errors.js";
import { errorStatus, type ErrorCode } from "../base/error-codes.js";
import { withoutBoundValues } from "../base/logger.js";

/** An error the client can act on; its code is stable API and decides the status. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }

  get status() {
    return errorStatus[this.code];
  }
}

export interface ErrorEnvelope {
  /** `details` only where a client needs more than the message (e.g. the conflicting exemplars). */
  error: { code: ErrorCode; message: string; requestId: string; details?: unknown };
}

export function errorResponse(c: Context, code: ErrorCode, message: string, details?: unknown): Response {
  const body: ErrorEnvelope = { error: { code, message, requestId: requestIdOf(c), ...(details === undefined ? {} : { details }) } };
  return c.json(body, errorStatus[code]);
}

export function requestIdOf(c: Context): string {
  return (c.get("requestId" as never) as string | undefined) ?? "unknown";
}

/** "field: problem; field: problem" from a zod error. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.length > 0 ? issue.path.join(".") : "body";
      return `${field}: ${issue.message}`;
    })
    .join("; ");
}

/** zod-openapi's defaultHook: validation failures use the one envelope too. */
export function validationHook(result: { success: boolean; error?: ZodError; target: string }, c: Context): Response | undefined {
  if (result.success) return undefined;
  const where = result.target === "json" ? "" : ` (${result.target})`;
  return errorResponse(c, "invalid_request", `${describeZodError(result.error!)}${where}`);
}

/** The API error a thrown error is: a domain error names its own code; null for a fault. */
export function apiErrorOf(err: Error): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof DomainError) return new ApiError(err.code, err.message, err.details);
  if (err instanceof HTTPException && err.status < 500) {
    if (/malformed json/i.test(err.message)) return new ApiError("invalid_json", "request body is not valid JSON");
    return new ApiError("invalid_request", err.message || "request rejected");
  }
  switch (classifyDatabaseError(err)) {
    case "unique_violation":
      // Two writers (replicas) wrote the same row at once; stores that expect it say what it was (stores/exemplars).
      return new ApiError("concurrent_write", "a concurrent write changed the same record; retry the request");
    case "unavailable":
      return new ApiError("database_unavailable", "the database does not answer; retry later (routing still works)");
    default:
      return null;
  }
}

/** Maps every thrown error to the envelope; 5xx are logged at error level, 4xx at info. */
export function createErrorHandler(logger: Pick<Logger, "error" | "warn" | "info">) {
  return (err: Error, c: Context): Response => {
    const requestId = requestIdOf(c);
    const api = apiErrorOf(err);
    if (api === null) {
      logger.error({ err, requestId }, "unhandled error");
      return errorResponse(c, "internal_error", "internal error; the request id identifies it in the logs");
    }
    // A 5xx that names a passing condition (an upstream, the database, load) is weather, not our bug: warn.
    const domain = err instanceof DomainError ? err : undefined;
    const passing = api.status === 503 || (domain !== undefined && (api.status >= 500 || api.code === "upstream_rate_limited"));
    const trail = domain?.details !== null && typeof domain?.details === "object" ? domain.details : { cause: causeOf(err) };
    if (passing) logger.warn({ requestId, code: api.code, ...trail }, api.message);
    else if (api.status >= 500) logger.error({ err, requestId, code: api.code }, api.message);
    else logger.info({ requestId, code: api.code }, api.message);
    for (const [name, value] of Object.entries(domain?.headers ?? {})) c.header(name, value);
    // A 503 is a passing condition (database away, still starting): say when to come back.
    if (domain?.retryAfterSeconds !== undefined) c.header("retry-after", String(domain.retryAfterSeconds));
    else if (api.status === 503) c.header("retry-after", "1");
    return errorResponse(c, api.code, api.message, api.details);
  };
}

/**
 * What an expected outage is worth logging: the driver's code and message
 * (57P03, ECONNREFUSED, a timeout), not a stack trace through our own code,
 * and never the statement's bound values (exemplar text, filters).
 */
function causeOf(err: Error): { code?: unknown; message: string } {
  const inner = err.cause instanceof Error ? err.cause : err;
  return { code: (inner as { code?: unknown }).code, message: withoutBoundValues(inner.message) };
}
