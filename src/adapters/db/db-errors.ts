/**
 * What a database failure means to a caller, from the driver's error: the
 * only place that knows PostgreSQL SQLSTATEs and driver error codes.
 */
export type DatabaseFailure =
  /** The database is down, unreachable or closed: retry later. */
  | "unavailable"
  /** A unique constraint lost a race with a concurrent writer: the retry is a no-op. */
  | "unique_violation"
  /** The database refused a value in the statement (out of range, not storable, too big): retrying cannot help. */
  | "refused";

/**
 * The database is not there for us now, for reasons of its own: the driver's
 * connection failures, and the server's SQLSTATEs for "not now" (shutting
 * down or crashed 57P01/57P02, starting up or in recovery 57P03, connection
 * exceptions 08xxx, too many connections 53300, a read-only standby 25006).
 */
const connectionCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EPIPE",
  "CONNECTION_ENDED",
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "25006",
]);

/** The failure class of an error thrown by postgres.js or PGlite, or null for anything else (a bug). */
export function classifyDatabaseError(err: unknown): DatabaseFailure | null {
  const code = pgCodeOf(err);
  if (code === "23505") return "unique_violation";
  if (isConnectionError(err)) return "unavailable";
  // Data exceptions (22xxx), other integrity violations (23xxx) and program limits (54xxx: a row too big).
  if (code !== undefined && /^(22|23|54)[0-9A-Z]{3}$/.test(code)) return "refused";
  return null;
}

/** For write-behind buffers: the database refused these rows, so retrying them as they are is pointless. */
export const isRefusedWrite = (err: unknown): boolean => classifyDatabaseError(err) === "refused";

/** A lost database (postgres.js error codes, or a closed PGlite), as opposed to a bug. */
function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === "string" && (connectionCodes.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code))) return true;
  if (typeof e.message === "string" && /PGlite is closed/i.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== err && isConnectionError(e.cause);
}

/** The PostgreSQL SQLSTATE of an error or its cause (postgres.js and PGlite both expose `code`). */
function pgCodeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: unknown };
  if (typeof e.code === "string") return e.code;
  return e.cause !== undefined && e.cause !== err ? pgCodeOf(e.cause) : undefined;
}
