/**
 * What a database failure means to a caller, from the driver's error: the
 * only place that knows PostgreSQL SQLSTATEs and driver error codes.
 */
export type DatabaseFailure =
  /** The database is down, unreachable or closed: retry later. */
  | "unavailable"
  /** A unique constraint lost a race with a concurrent writer: the retry is a no-op. */
  | "unique_violation";

const connectionCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "CONNECTION_ENDED", "CONNECTION_CLOSED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT", "57P01"]);

/** The failure class of an error thrown by postgres.js or PGlite, or null for anything else (a bug). */
export function classifyDatabaseError(err: unknown): DatabaseFailure | null {
  if (pgCodeOf(err) === "23505") return "unique_violation";
  if (isConnectionError(err)) return "unavailable";
  return null;
}

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
