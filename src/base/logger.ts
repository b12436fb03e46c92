import pino, { type Logger } from "pino";
import { redactSecrets } from "./config/redact.js";
import { withoutBoundValues } from "./util/bound-values.js";

export { withoutBoundValues };

/** Fields of driver errors that carry the statement's bound values: exemplar text, filters, queries. */
const VALUE_FIELDS = new Set(["params", "parameters", "args"]);

/**
 * An error as pino logs it, minus the bound values a database error carries
 * (drizzle puts them in `params` and in its message, postgres.js in
 * `parameters`), so logs never hold user text unless logQueryText says so.
 */
export function redactError(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  return scrub(out, 0);
}

function scrub(value: Record<string, unknown>, depth: number): Record<string, unknown> {
  for (const key of Object.keys(value)) {
    if (VALUE_FIELDS.has(key)) value[key] = "[redacted]";
    else if ((key === "message" || key === "stack") && typeof value[key] === "string") value[key] = withoutBoundValues(value[key] as string);
    else if (depth < 4 && typeof value[key] === "object" && value[key] !== null) scrub(value[key] as Record<string, unknown>, depth + 1);
  }
  return value;
}

/**
 * JSON lines on stdout, errors redacted; query text is only ever logged by
 * the request log, when configured. Upstream keys (`secrets`) are cut out of
 * every line as a last line of defence: no code logs them, and if some
 * library ever did, the line would still not carry them.
 */
export function createLogger(level: string, options: { secrets?: readonly string[]; destination?: pino.DestinationStream } = {}): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 8);
  const redacting = secrets.length === 0 ? {} : { hooks: { streamWrite: (line: string) => redactSecrets(line, secrets) } };
  return pino({ level, base: { service: "tierline" }, serializers: { err: redactError }, ...redacting }, options.destination);
}
