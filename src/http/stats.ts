import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env.js";
import type { StatsService } from "../stores/stats/stats-service.js";
import type { RequireRole } from "./auth.js";
import { ApiError, validationHook } from "./error-handler.js";
import { errorSchema } from "./schemas.js";
import { windowOf, windowQuery as windowQueryOf } from "./window.js";
import { registerInsightRoutes } from "./insights.js";
import type { InsightsService } from "../stores/feedback/insights-service.js";

/** The statistics window (24 hours by default); the gateway's statistics use it too. */
export const windowQuery = windowQueryOf();
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
  unusedTiers: z.array(z.string()).openapi({ description: "Configured tiers that no decision in the window went to (empty when the window has no traffic)" }),
  warnings: z.array(z.string()).openapi({ description: "Tiers the decision rule cannot reach as configured, and tiers unused in the window, in words" }),
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

export function createStatsRoutes(
  stats: StatsService,
  requireRole: RequireRole,
  tiers: readonly string[],
  profiles: readonly string[],
  insights: InsightsService,
): OpenAPIHono<AppEnv> {
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
  // Under the same analyst guard: the decision log and the feedback.
  registerInsightRoutes(app, insights);
  return app;
}
