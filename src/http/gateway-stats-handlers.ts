import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { GatewayStats } from "../gateway/gateway-stats.js";
import type { AppEnv } from "./app-env.js";
import type { RequireRole } from "./auth.js";
import { ApiError, validationHook } from "./error-handler.js";
import { errorSchema } from "./schemas.js";
import { windowQuery } from "./stats.js";

const spend = z.object({ requests: z.number(), promptTokens: z.number(), completionTokens: z.number(), spendUsd: z.number(), counterfactualUsd: z.number() });

export const gatewayStatsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    requests: z.number(),
    outcomes: z.record(z.string(), z.number()),
    spend: z.object({
      actualUsd: z.number().openapi({ description: "Every attempt that reported usage (answers, escalated answers, checks, ratings) at its price" }),
      counterfactualUsd: z.number().openapi({ description: "The served answers' tokens at the most expensive tier's price" }),
      savingsUsd: z.number(),
      relativeToAlwaysPremium: z.number().nullable(),
      byKind: z.record(z.string(), z.number()),
      requestsWithUsage: z.number(),
      requestsWithoutUsage: z.number().openapi({ description: "Answered requests whose upstream sent no usage (not in the spend)" }),
    }),
    byTier: z.record(z.string(), spend.extend({ attempts: z.number() })),
    byReason: z.record(z.string(), spend),
    attempts: z.object({ total: z.number(), byOutcome: z.record(z.string(), z.number()), fallbacks: z.number() }),
    cascade: z.object({ accepted: z.number(), escalated: z.number() }),
    llmRating: z.object({ ratings: z.number(), ratingSpendUsd: z.number(), ratedRequests: z.number(), ratedSpendUsd: z.number(), ratedCounterfactualUsd: z.number() }),
    upstreams: z.array(
      z.object({
        upstream: z.string(),
        tier: z.string(),
        model: z.string(),
        state: z.enum(["closed", "open", "half_open"]),
        consecutiveFailures: z.number(),
        retryInMs: z.number(),
      }),
    ),
    droppedRows: z.number(),
  })
  .openapi("GatewayStats");

/** GET /stats/gateway: real spend per tier against the all-premium counterfactual, attempts, cascades, ratings, circuits. */
export function createGatewayStatsRoutes(stats: GatewayStats, requireRole: RequireRole): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("/stats/gateway", requireRole("analyst"));
  app.openapi(
    createRoute({
      method: "get",
      path: "/stats/gateway",
      operationId: "getGatewayStats",
      tags: ["stats"],
      summary: "Gateway spend per tier against sending everything to premium; attempts, fallbacks, cascades, ratings, circuits",
      security: [{ bearer: [] }],
      request: { query: windowQuery },
      responses: {
        200: { description: "Gateway statistics", content: { "application/json": { schema: gatewayStatsSchema } } },
        400: { description: "Invalid window", content: { "application/json": { schema: errorSchema } } },
        401: { description: "Missing or invalid token", content: { "application/json": { schema: errorSchema } } },
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const to = q.to ?? new Date();
      const from = q.from ?? new Date(to.getTime() - 24 * 3600_000);
      if (from >= to) throw new ApiError("invalid_request", "from must be before to");
      return c.json(await stats.summary({ from, to }), 200);
    },
  );
  return app;
}
