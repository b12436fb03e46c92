import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env.js";
import type { StatsService } from "../stats/stats-service.js";
import type { RequireRole } from "./auth.js";
import { ApiError, validationHook } from "./errors.js";
import { errorSchema } from "./schemas.js";

/** An ISO 8601 instant with an offset, or a date alone (midnight UTC), between 1970 and 9999. */
const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((s) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s))
  .refine((d) => d.getUTCFullYear() >= 1970 && d.getUTCFullYear() <= 9999, "must be between 1970 and 9999");
export const windowQuery = z.object({
  from: instant.optional().openapi({ description: "ISO 8601 date-time or date (UTC midnight); default 24 hours before `to`", type: "string" }),
  to: instant.optional().openapi({ description: "ISO 8601 date-time or date, exclusive; default now", type: "string" }),
});
const errors = {
  400: { description: "Invalid window", content: { "application/json": { schema: errorSchema } } },
  401: { description: "Missing or invalid token", content: { "application/json": { schema: errorSchema } } },
  403: { description: "A token of another role (this needs analyst or admin)", content: { "application/json": { schema: errorSchema } } },
};
const counts = z.object({ requests: z.number(), hits: z.number(), misses: z.number(), hitRate: z.number() });
export const cacheStatsSchema = counts.extend({
  from: z.string(),
  to: z.string(),
  tier: z.string().nullable(),
  distinctKeys: z.number(),
  byTier: z.record(z.string(), counts),
  droppedDecisions: z.number(),
});
export const routingStatsSchema = z.object({
  from: z.string(),
  to: z.string(),
  profile: z.string().nullable(),
  requests: z.number(),
  cacheHitRate: z.number(),
  tierMix: z.record(z.string(), z.object({ requests: z.number(), share: z.number() })),
  reasons: z.record(z.string(), z.number()),
  fallbackRate: z.number(),
  lowMarginFallbackRate: z.number(),
  outOfDistributionRate: z.number().openapi({ description: "Share of decisions with reason out_of_distribution: a drift signal" }),
  ruleRate: z.number().openapi({ description: "Share of requests a rule decided" }),
  estimatedCost: z
    .object({
      relativeToAlwaysPremium: z.number(),
      savings: z.number(),
      spend: z.number(),
      spendIfMostCapable: z.number(),
      saved: z.number(),
      inputTokens: z.number(),
      currency: z.string(),
    })
    .openapi({ description: "Estimated input spend at the chosen tiers against sending everything to the most capable tier" }),
  byProfile: z.record(z.string(), z.object({ requests: z.number(), share: z.number(), spend: z.number(), saved: z.number() })),
  droppedDecisions: z.number(),
});
export const statsSeriesSchema = z.object({
  from: z.string(),
  to: z.string(),
  bucket: z.enum(["hour", "day"]),
  tiers: z.array(z.string()),
  points: z.array(
    z.object({
      start: z.string(),
      requests: z.number(),
      hits: z.number(),
      hitRate: z.number(),
      tiers: z.record(z.string(), z.number()),
      reasons: z.record(z.string(), z.number()),
      fallbackRate: z.number(),
      relativeCost: z.number(),
      savings: z.number(),
    }),
  ),
});

function windowOf(q: { from?: Date; to?: Date }) {
  const to = q.to ?? new Date();
  const from = q.from ?? new Date(to.getTime() - 24 * 3600_000);
  if (from >= to) throw new ApiError("invalid_request", "from must be before to");
  return { from, to };
}

export function createStatsRoutes(stats: StatsService, requireRole: RequireRole, tiers: readonly string[], profiles: readonly string[]): OpenAPIHono<AppEnv> {
  const tierFilter = z
    .string()
    .refine((t) => tiers.includes(t), `must be one of the configured tiers (${tiers.join(", ")})`)
    .optional();
  const profileFilter = z
    .string()
    .refine((p) => profiles.includes(p), `must be one of the configured profiles (${profiles.join(", ")})`)
    .optional()
    .openapi({ description: "Only the decisions of this profile" });
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("/stats/*", requireRole("analyst"));
  const security = [{ bearer: [] }];

  app.openapi(
    createRoute({
      method: "get",
      path: "/stats/cache",
      operationId: "getCacheStats",
      tags: ["stats"],
      summary: "Decision-cache hit rate, hits, misses and distinct keys over a window",
      security,
      request: { query: windowQuery.extend({ tier: tierFilter }) },
      responses: {
        200: {
          description: "Cache statistics",
          content: {
            "application/json": {
              schema: cacheStatsSchema,
            },
          },
        },
        ...errors,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(await stats.cache(windowOf(q), q.tier), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/stats/routing",
      operationId: "getRoutingStats",
      tags: ["stats"],
      summary: "Tier mix, reasons, fallback rate and estimated savings over a window",
      security,
      request: { query: windowQuery.extend({ profile: profileFilter }) },
      responses: {
        200: {
          description: "Routing statistics",
          content: {
            "application/json": {
              schema: routingStatsSchema,
            },
          },
        },
        ...errors,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(await stats.routing(windowOf(q), q.profile), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/stats/series",
      operationId: "getStatsSeries",
      tags: ["stats"],
      summary: "Tier mix, cache hits, fallback reasons and estimated savings per hour or day, for charts",
      security,
      request: {
        query: windowQuery.extend({ bucket: z.enum(["hour", "day"]).default("hour").openapi({ description: "Point width; default hour" }) }),
      },
      responses: {
        200: {
          description: "One point per bucket that saw traffic, in time order (buckets are UTC)",
          content: {
            "application/json": {
              schema: statsSeriesSchema,
            },
          },
        },
        ...errors,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const window = windowOf(q);
      // Hourly points over years would be a huge answer: cap the number of points.
      if (q.bucket === "hour" && window.to.getTime() - window.from.getTime() > 93 * 86_400_000) {
        throw new ApiError("invalid_request", "bucket=hour covers at most 93 days; use bucket=day for longer windows");
      }
      return c.json(await stats.series(window, q.bucket), 200);
    },
  );
  return app;
}
