import { z } from "@hono/zod-openapi";
import { ApiError } from "./error-handler.js";

/** An ISO 8601 instant with an offset, or a date alone (midnight UTC), between 1970 and 9999. */
const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((s) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s))
  .refine((d) => d.getUTCFullYear() >= 1970 && d.getUTCFullYear() <= 9999, "must be between 1970 and 9999");

/** `from` and `to` of a statistics window; `hours` is the default length. */
export function windowQuery(hours = 24) {
  const span = hours % 24 === 0 ? `${hours / 24} days` : `${hours} hours`;
  return z.object({
    from: instant.optional().openapi({ description: `ISO 8601 date-time or date (UTC midnight); default ${span} before \`to\``, type: "string" }),
    to: instant.optional().openapi({ description: "ISO 8601 date-time or date, exclusive; default now", type: "string" }),
  });
}

export function windowOf(q: { from?: Date; to?: Date }, hours = 24) {
  const to = q.to ?? new Date();
  const from = q.from ?? new Date(to.getTime() - hours * 3600_000);
  if (from >= to) throw new ApiError("invalid_request", "from must be before to");
  return { from, to };
}
