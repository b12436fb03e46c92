/** drizzle's "Failed query: …\nparams: …" text, up to the stack frames or the cause. */
const PARAMS_LINE = /\nparams: [\s\S]*?(?=\n {4}at |\ncaused by|$)/;

/** A driver's error message without the statement's bound values (drizzle appends them as "params: …"): logs and traces never hold user text that way. */
export function withoutBoundValues(message: string): string {
  return message.replace(PARAMS_LINE, "\nparams: [redacted]");
}
