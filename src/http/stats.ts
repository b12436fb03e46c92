import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env.js";
import type { StatsService } from "../stats/stats-service.js";
import { requireBearer, type LabelledToken } from "./auth.js";
import { ApiError, validationHook } from "./errors.js";
import { errorSchema } from "./schemas.js";

const windowQuery = z.object({
  from: z.string().datetime({ offset: true }).optional().openapi({ description: "ISO 8601; default 24 hours before `to`" }),
  to: z.string().datetime({ offset: true }).optional().openapi({ description: "ISO 8601, exclusive; default now" }),
});
const errors = {
  400: { description: "Invalid window", content: { "application/json": { schema: errorSchema } } },
  401: { description: "Missing or invalid token", content: { "application/json": { schema: errorSchema } } },
};
const counts = z.object({ requests: z.number(), hits: z.number(), misses: z.number(), hitRate: z.number() });

function windowOf(q: { from?: string; to?: string }) {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 24 * 3600_000);
  if (from >= to) throw new ApiError("invalid_request", "from must be before to");
  return { from, to };
}

export function createStatsRoutes(stats: StatsService, tokens: readonly LabelledToken[]): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("/stats/*", requireBearer(tokens, "set TIERLINE_ANALYST_TOKEN (or use the admin token) and restart"));
  const security = [{ bearer: [] }];

  app.openapi(
    createRoute({
      method: "get",
      path: "/stats/cache",
      summary: "Decision-cache hit rate, hits, misses and distinct keys over a window",
      security,
      request: { query: windowQuery.extend({ tier: z.string().optional() }) },
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
                outOfDistributionRate: z.number().openapi({ description: "Share of decisions with reason out_of_distribution: a drift signal" }),
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
  return app;
}
