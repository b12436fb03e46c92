import { TierlineConnectionError, TierlineError } from "../client/index.js";
import { UsageError } from "./args.js";

/** One line for a person: which URL, what the service said (status, code, message) or why it could not be reached. */
export function describeError(err: unknown): string {
  if (err instanceof TierlineError) return `${err.url} answered ${err.status} ${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * 0 done; 1 the service answered with an error (or the output was incomplete);
 * 2 the command line is wrong; 3 the service could not be reached.
 */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return 2;
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof TierlineConnectionError) return 3;
  return 1;
}
