import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { InsightsService } from "../stores/feedback/insights-service.js";
import type { AppEnv } from "./app-env.js";
import { errorSchema } from "./schemas.js";
import { windowOf, windowQuery } from "./window.js";

/** Analyst reads over the decision log and the feedback, mounted in the /stats app (one analyst guard). */

const errors = {
  400: { description: "Invalid window", content: { "application/json": { schema: errorSchema } } },
  401: { description: "Missing or invalid token", content: { "application/json": { schema: errorSchema } } },
  403: { description: "A token of another role (this needs analyst or admin)", content: { "application/json": { schema: errorSchema } } },
  503: { description: "Database unavailable, or the index not built yet", content: { "application/json": { schema: errorSchema } } },
};
const json = <T extends z.ZodType>(schema: T, description: string) => ({ 200: { description, content: { "application/json": { schema } } }, ...errors });
const security = [{ bearer: [] }];
const month = windowQuery(30 * 24);
const span = { from: z.string(), to: z.string() };
const pair = z.tuple([z.number(), z.number()]);

const misroutes = z
  .object({
    feedback: z.number(),
    tooWeak: z.number(),
    ok: z.number(),
    overkill: z.number(),
    tooWeakRate: z.number(),
    overkillRate: z.number(),
    misrouteRate: z.number(),
    meanScore: z.number().nullable(),
  })
  .openapi("MisrouteCounts");
const quality = z
  .object({ n: z.number(), served: z.number(), failed: z.number(), unknown: z.number(), rate: z.number(), interval: pair, optimistic: z.number() })
  .nullable()
  .openapi("QualityEstimate");
const shadowSummary = z.object({ decisions: z.number(), share: z.number(), relativeCost: z.number(), costInterval: pair, savings: z.number(), quality }).openapi("ShadowSummary");

export const feedbackStatsSchema = misroutes.extend({
  ...span,
  byTier: z.record(z.string(), misroutes),
  byReason: z.record(z.string(), misroutes),
  days: z.array(misroutes.extend({ day: z.string() })),
});
export const shadowReportSchema = z.object({
  ...span,
  shadowTier: z.string(),
  shadow: shadowSummary.extend({ byTier: z.record(z.string(), shadowSummary), byTag: z.record(z.string(), shadowSummary) }),
  live: z.object({ quality, byTier: z.record(z.string(), quality), byTag: z.record(z.string(), quality) }),
});
export const driftSchema = z.object({
  ...span,
  days: z.array(
    z.object({
      day: z.string(),
      decisions: z.number(),
      searched: z.number(),
      meanNearestSimilarity: z.number().nullable(),
      p10NearestSimilarity: z.number().nullable(),
      fallbackRate: z.number(),
      outOfDistributionRate: z.number(),
      lowMarginRate: z.number(),
      revision: z.number(),
    }),
  ),
});
export const labelsPageSchema = z.object({
  ...span,
  tiers: z.array(z.string()),
  decisions: z.number(),
  withoutText: z.number().openapi({ description: "Decisions with feedback but no text (neither logged nor sent): they cannot be placed" }),
  rows: z.array(
    z.object({
      decisionId: z.string(),
      label: z.string().openapi({ description: "The most capable tier the feedback leaves open (conservative)" }),
      needed: z.object({ from: z.string(), to: z.string() }),
      tier: z.string(),
      routed: z.string(),
      neighbors: z.array(z.object({ tier: z.string(), similarity: z.number() })),
    }),
  ),
  nextCursor: z.string().nullable(),
});

export function registerInsightRoutes(app: OpenAPIHono<AppEnv>, insights: InsightsService): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/stats/feedback",
      operationId: "getFeedbackStats",
      summary: "Misroute rates from feedback (too weak, overkill) per tier that answered, per reason and per day",
      tags: ["stats"],
      security,
      request: { query: month },
      responses: json(feedbackStatsSchema, "Misroute rates over decisions made in the window (default 30 days)"),
    }),
    async (c) => c.json(await insights.misroutes(windowOf(c.req.valid("query"), 30 * 24)), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/stats/shadow",
      operationId: "getShadowReport",
      summary: "Shadow mode: what routing would have saved and what it would have cost in quality, per tier and tag, with 95% intervals",
      tags: ["stats"],
      security,
      request: { query: month },
      responses: json(shadowReportSchema, "The report over decisions made in the window (default 30 days)"),
    }),
    async (c) => c.json(await insights.shadow(windowOf(c.req.valid("query"), 30 * 24)), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/stats/drift",
      operationId: "getDrift",
      summary: "Drift, day by day: nearest-exemplar similarity and fallback / out-of-distribution rates",
      tags: ["stats"],
      security,
      request: { query: month },
      responses: json(driftSchema, "One point per UTC day with logged decisions"),
    }),
    async (c) => c.json(await insights.drift(windowOf(c.req.valid("query"), 30 * 24)), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/stats/feedback/labels",
      operationId: "getFeedbackLabels",
      summary: "Decisions with feedback as labelled neighborhoods (tier needed; nearest exemplars' tiers and similarities, no text), for calibrate --from-feedback",
      tags: ["stats"],
      security,
      request: {
        query: month.extend({
          cursor: z.string().uuid().optional().openapi({ description: "nextCursor of the previous page" }),
          limit: z.coerce.number().int().min(1).max(1000).default(500),
          depth: z.coerce.number().int().min(1).max(64).default(31).openapi({ description: "Neighbors per row: at least the largest k calibrated" }),
        }),
      },
      responses: json(labelsPageSchema, "A page of labelled rows, in decision-id order"),
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(await insights.labels(windowOf(q, 30 * 24), { cursor: q.cursor, limit: q.limit, depth: q.depth }), 200);
    },
  );
}
