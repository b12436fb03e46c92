import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "pino";
import type { ZodError } from "zod";
import { DatabaseUnavailableError } from "../db/database-guard.js";
import { classifyDatabaseError } from "../db/db-errors.js";
import { BatchLaneFullError } from "../embeddings/work-estimate.js";
import { IndexNotReadyError } from "../exemplars/curation-context.js";
import { ExemplarConflictError, ExemplarNotFoundError, UnknownTierError } from "../exemplars/exemplar.js";
import { DecisionNotFoundError, FeedbackConflictError, InvalidFeedbackError, ReviewItemClosedError, ReviewItemNotFoundError } from "../feedback/errors.js";
import { GatewayError, GatewayRequestError, ModelNotFoundError } from "../gateway/errors.js";
import { InvalidRuleError } from "../policy/rules.js";
import { BudgetTooSmallError, InvalidLimitError } from "../routing/limits.js";
import { UnknownProfileError } from "../routing/routing-service.js";
import { EmptyQueryError } from "../routing/steps/normalize.js";
import { errorStatus, type ErrorCode } from "./error-codes.js";
import { withoutBoundValues } from "../observability/logger.js";

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

/** Domain errors (which know nothing of HTTP) and the API error each one is; null for a fault. */
export function apiErrorOf(err: Error): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof EmptyQueryError) return new ApiError("empty_query", err.message);
  if (err instanceof ModelNotFoundError) return new ApiError("model_not_found", err.message);
  if (err instanceof GatewayRequestError) return new ApiError("invalid_request", err.message);
  if (err instanceof GatewayError) return new ApiError(err.code, err.message, err.attempts.length > 0 ? { attempts: err.attempts } : undefined);
  if (err instanceof ExemplarNotFoundError) return new ApiError("exemplar_not_found", err.message);
  if (err instanceof UnknownTierError) return new ApiError("unknown_tier", err.message);
  if (err instanceof ExemplarConflictError) return new ApiError("exemplar_conflict", err.message, { conflicts: err.conflicts });
  if (err instanceof IndexNotReadyError) return new ApiError("not_ready", err.message);
  if (err instanceof DecisionNotFoundError) return new ApiError("decision_not_found", err.message);
  if (err instanceof FeedbackConflictError) return new ApiError("feedback_conflict", err.message, { existing: err.existing });
  if (err instanceof InvalidFeedbackError) return new ApiError("invalid_request", err.message);
  if (err instanceof ReviewItemNotFoundError) return new ApiError("review_item_not_found", err.message);
  if (err instanceof ReviewItemClosedError) return new ApiError("review_item_closed", err.message, { status: err.status });
  if (err instanceof InvalidLimitError) return new ApiError("invalid_limit", err.message, { field: err.field });
  if (err instanceof BudgetTooSmallError) return new ApiError("budget_too_small", err.message, { cheapest: err.cheapest, budget: err.budget });
  if (err instanceof UnknownProfileError) return new ApiError("unknown_profile", err.message);
  if (err instanceof InvalidRuleError) return new ApiError("invalid_rules", err.message);
  if (err instanceof BatchLaneFullError) return new ApiError("overloaded", err.message);
  if (err instanceof DatabaseUnavailableError) return new ApiError(err.outcome === "unknown" ? "outcome_unknown" : "database_unavailable", err.message);
  if (err instanceof HTTPException && err.status < 500) {
    if (/malformed json/i.test(err.message)) return new ApiError("invalid_json", "request body is not valid JSON");
    return new ApiError("invalid_request", err.message || "request rejected");
  }
  switch (classifyDatabaseError(err)) {
    case "unique_violation":
      // Two writers (replicas) inserted the same exemplar at once; the loser's retry is a no-op.
      return new ApiError("concurrent_write", "a concurrent write changed the same exemplar; retry the request");
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
    // Upstreams failing is their weather, not our bug: warn, as for a database away.
    const passing = api.status === 503 || err instanceof GatewayError;
    if (api.status >= 500 && !passing) logger.error({ err, requestId, code: api.code }, api.message);
    else if (api.status >= 500 || passing) logger.warn({ requestId, code: api.code, ...(err instanceof GatewayError ? { attempts: err.attempts } : { cause: causeOf(err) }) }, api.message);
    else logger.info({ requestId, code: api.code }, api.message);
    // A 503 is a passing condition (database away, still starting): say when to come back.
    if (api.status === 503) c.header("retry-after", String(err instanceof BatchLaneFullError ? err.retryAfterSeconds : 1));
    // A gateway failure says which decision it was and, when known, when to come back.
    if (err instanceof GatewayError) {
      for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
      if (err.retryAfterSeconds !== undefined) c.header("retry-after", String(err.retryAfterSeconds));
    }
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
