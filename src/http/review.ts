import { OpenAPIHono } from "@hono/zod-openapi";
import type { Exemplar } from "../stores/exemplars/exemplar.js";
import type { InsightsService } from "../stores/feedback/insights-service.js";
import type { ReviewItem } from "../stores/feedback/review-repository.js";
import type { PromoteResult, ReviewEntry, ReviewService } from "../stores/feedback/review-service.js";
import type { AppEnv } from "./app-env.js";
import type { RequireRole } from "./auth.js";
import { validationHook } from "./error-handler.js";
import { serialize as serializeFeedback } from "./feedback.js";
import { idempotentWrite, type IdempotencyDeps } from "./idempotency.js";
import { reviewRoutes } from "./review.routes.js";
import { windowOf } from "./window.js";

export interface ReviewRoutesOptions {
  review: ReviewService;
  insights: InsightsService;
  requireRole: RequireRole;
  /** Default far-query threshold of /review/gaps. */
  gapThreshold: number;
  idempotency: IdempotencyDeps;
}

const isTrue = (v: string | undefined) => v === "true" || v === "1";

/** The curators' review queue (admin): list, inspect, promote, dismiss; and the coverage gaps. */
export function createReviewRoutes(options: ReviewRoutesOptions): OpenAPIHono<AppEnv> {
  const { review } = options;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const guard = options.requireRole("admin");
  app.use("/review", guard);
  app.use("/review/*", guard);
  const actor = (c: { get(key: "actor"): string | undefined }) => c.get("actor") ?? "unknown";

  app.openapi(reviewRoutes.list, async (c) => {
    const q = c.req.valid("query");
    const page = await review.list({ status: q.status, limit: q.limit, cursor: q.cursor === undefined ? undefined : Number(q.cursor) });
    return c.json(
      {
        total: page.total,
        groups: page.groups.map((g) => ({ exemplar: g.exemplar, items: g.items.map(serializeEntry) })),
        nextCursor: page.nextCursor === null ? null : String(page.nextCursor),
      },
      200,
    );
  });

  // Before /review/{id}, so "gaps" is never read as an id.
  app.openapi(reviewRoutes.gaps, async (c) => {
    const q = c.req.valid("query");
    const window = windowOf(q, 30 * 24);
    return c.json(
      await options.insights.gaps(window, { threshold: q.threshold ?? options.gapThreshold, clusterSimilarity: q.clusterSimilarity, limit: q.limit, maxQueries: 2000 }),
      200,
    );
  });

  app.openapi(reviewRoutes.get, async (c) => {
    const { item, feedback, audit } = await review.get(Number(c.req.valid("param").id));
    return c.json({ item: serializeEntry(item), feedback: feedback.map(serializeFeedback), audit: audit.map((a) => ({ ...a, at: a.at.toISOString() })) }, 200);
  });

  app.openapi(reviewRoutes.promote, async (c) => {
    const id = Number(c.req.valid("param").id);
    const body = c.req.valid("json") ?? {};
    const force = isTrue(c.req.valid("query").force);
    return idempotentWrite<PromoteResult>(
      c,
      options.idempotency,
      body,
      (receipt, budget) => review.promote(id, { ...body, force }, actor(c), receipt, budget),
      (result) => ({
        status: 201,
        body: { item: serializeItem(result.item), exemplar: { ...serializeExemplar(result.exemplar), status: result.exemplar.status }, revision: result.revision },
      }),
    ) as never;
  });

  app.openapi(reviewRoutes.dismiss, async (c) => {
    const id = Number(c.req.valid("param").id);
    const body = c.req.valid("json") ?? {};
    return idempotentWrite<{ item: ReviewItem }>(
      c,
      options.idempotency,
      body,
      (receipt, budget) => review.dismiss(id, body, actor(c), receipt, budget),
      (result) => ({ status: 200, body: { item: serializeItem(result.item) } }),
    ) as never;
  });
  return app;
}

function serializeItem(i: ReviewItem & { text?: string | null; nearest?: ReviewEntry["nearest"] }) {
  return {
    id: i.id,
    decisionId: i.decisionId,
    decisionAt: i.decisionAt.toISOString(),
    tier: i.tier,
    reason: i.reason,
    shadowOf: i.shadowOf,
    verdict: i.verdict,
    suggestedTier: i.suggestedTier,
    text: i.text ?? i.queryText,
    feedbackCount: i.feedbackCount,
    status: i.status as "open" | "promoted" | "dismissed",
    resolvedBy: i.resolvedBy,
    resolvedAt: i.resolvedAt?.toISOString() ?? null,
    exemplarId: i.exemplarId,
    createdAt: i.createdAt.toISOString(),
    nearest: i.nearest ?? null,
  };
}

const serializeEntry = (e: ReviewEntry) => serializeItem(e);

function serializeExemplar(e: Exemplar) {
  return { id: e.id, text: e.text, tier: e.tier, note: e.note, source: e.source, createdAt: e.createdAt.toISOString(), updatedAt: e.updatedAt.toISOString() };
}
