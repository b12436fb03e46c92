import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env.js";
import type { StatsService } from "../stats/stats-service.js";
import type { RequireRole } from "./auth.js";
import { ApiError, validationHook } from "./errors.js";
import { errorSchema } from "./schemas.js";
import { windowOf, windowQuery as windowQueryOf } from "./window.js";
import { registerInsightRoutes } from "./insights.js";
import type { InsightsService } from "../feedback/insights-service.js";

const windowQuery = windowQueryOf();
const errors = {
  400: { description: "Invalid window", content: { "application/json": { schema: errorSchema } } },
  401: { description: "Missing or invalid token", content: { "application/json": { schema: errorSchema } } },
};
const counts = z.object({ requests: z.number(), hits: z.number(), misses: z.number(), hitRate: z.number() });

export function createStatsRoutes(stats: StatsService, requireRole: RequireRole, tiers: readonly string[], insights: InsightsService): OpenAPIHono<AppEnv> {
  const tierFilter = z
    .string()
    .refine((t) => tiers.includes(t), `must be one of the configured tiers (${tiers.join(", ")})`)
    .optional();
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("/stats/*", requireRole("analyst"));
  const security = [{ bearer: [] }];

  app.openapi(
    createRoute({
      method: "get",
      path: "/stats/cache",
      summary: "Decision-cache hit rate, hits, misses and distinct keys over a window",
      security,
      request: { query: windowQuery.extend({ tier: tierFilter }) },
      responses: {
        200: {
          description: "Cache statistics",
          content: {
            "application/json": {
              schema: counts.extend({
                from: z.string(),
                to: z.string(),
                tier: z.string().nullable(),
                distinctKeys: z.number(),
                byTier: z.record(z.string(), counts),
                droppedDecisions: z.number(),
              }),
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
      summary: "Tier mix, reasons, fallback rate and estimated savings over a window",
      security,
      request: { query: windowQuery },
      responses: {
        200: {
          description: "Routing statistics",
          content: {
            "application/json": {
              schema: z.object({
                from: z.string(),
                to: z.string(),
                requests: z.number(),
                cacheHitRate: z.number(),
                tierMix: z.record(z.string(), z.object({ requests: z.number(), share: z.number() })),
                reasons: z.record(z.string(), z.number()),
                fallbackRate: z.number(),
                lowMarginFallbackRate: z.number(),
                estimatedCost: z.object({ relativeToAlwaysPremium: z.number(), savings: z.number() }),
                droppedDecisions: z.number(),
              }),
            },
          },
        },
        ...errors,
      },
    }),
    async (c) => c.json(await stats.routing(windowOf(c.req.valid("query"))), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/stats/series",
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
              schema: z.object({
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
              }),
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
