import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import type { ZodError } from "zod";
import { IndexNotReadyError } from "../exemplars/curator-service.js";
import { ExemplarConflictError, ExemplarNotFoundError, UnknownTierError } from "../exemplars/exemplar.js";
import { EmptyQueryError } from "../routing/router.js";
import { StatsUnavailableError } from "../stats/stats-service.js";

/** An error the client can act on; its code is stable API. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ErrorEnvelope {
  /** `details` only where a client needs more than the message (e.g. the conflicting exemplars). */
  error: { code: string; message: string; requestId: string; details?: unknown };
}

export function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string, details?: unknown): Response {
  const body: ErrorEnvelope = { error: { code, message, requestId: requestIdOf(c), ...(details === undefined ? {} : { details }) } };
  return c.json(body, status);
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
  return errorResponse(c, 400, "invalid_request", `${describeZodError(result.error!)}${where}`);
}

/** Maps every thrown error to the envelope; 5xx are logged at error level, 4xx at info. */
export function createErrorHandler(logger: Pick<Logger, "error" | "info">) {
  return (err: Error, c: Context): Response => {
    const requestId = requestIdOf(c);
    if (err instanceof ApiError) {
      logger.info({ requestId, code: err.code }, err.message);
      return errorResponse(c, err.status, err.code, err.message);
    }
    if (err instanceof EmptyQueryError) return errorResponse(c, 400, "empty_query", err.message);
    if (err instanceof ExemplarNotFoundError) return errorResponse(c, 404, "exemplar_not_found", err.message);
    if (err instanceof UnknownTierError) return errorResponse(c, 400, "unknown_tier", err.message);
    if (err instanceof ExemplarConflictError) {
      logger.info({ requestId, code: "exemplar_conflict", conflicts: err.conflicts.length }, "exemplar conflict");
      return errorResponse(c, 409, "exemplar_conflict", err.message, { conflicts: err.conflicts });
    }
    if (err instanceof IndexNotReadyError) return errorResponse(c, 503, "not_ready", err.message);
    if (err instanceof StatsUnavailableError) return errorResponse(c, 503, "database_unavailable", err.message);
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      if (status === 400 && /malformed json/i.test(err.message)) {
        return errorResponse(c, 400, "invalid_json", "request body is not valid JSON");
      }
      if (status === 413) return errorResponse(c, 413, "payload_too_large", err.message || "request body is too large");
      if (status < 500) return errorResponse(c, status, "http_error", err.message || "request rejected");
    }
    if (pgCodeOf(err) === "23505") {
      // Two writers (replicas) inserted the same exemplar at once; the loser's retry is a no-op.
      return errorResponse(c, 409, "concurrent_write", "a concurrent write changed the same exemplar; retry the request");
    }
    if (isConnectionError(err)) {
      logger.error({ err, requestId }, "database unavailable");
      return errorResponse(c, 503, "database_unavailable", "the database does not answer; retry later (routing still works)");
    }
    logger.error({ err, requestId }, "unhandled error");
    return errorResponse(c, 500, "internal_error", "internal error; the request id identifies it in the logs");
  };
}

const connectionCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "CONNECTION_ENDED", "CONNECTION_CLOSED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT", "57P01"]);

/** A lost database (postgres.js error codes, or a closed PGlite), as opposed to a bug. */
function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === "string" && connectionCodes.has(e.code)) return true;
  if (typeof e.message === "string" && /PGlite is closed/i.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== err && isConnectionError(e.cause);
}

/** The PostgreSQL SQLSTATE of an error or its cause (postgres.js and PGlite both expose `code`). */
function pgCodeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: unknown };
  if (typeof e.code === "string") return e.code;
  return e.cause !== undefined && e.cause !== err ? pgCodeOf(e.cause) : undefined;
}
