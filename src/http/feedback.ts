import { OpenAPIHono } from "@hono/zod-openapi";
import { FeedbackConflictError } from "../stores/feedback/feedback-errors.js";
import { FeedbackFileError, parseFeedbackJsonl } from "../stores/feedback/feedback-jsonl.js";
import type { FeedbackService } from "../stores/feedback/feedback-service.js";
import type { InsightsService } from "../stores/feedback/insights-service.js";
import type { StoredFeedback } from "../stores/feedback/feedback-repository.js";
import type { AppEnv } from "./app-env.js";
import type { RequireRole } from "./auth.js";
import { ApiError, validationHook } from "./error-handler.js";
import { feedbackRoutes } from "./feedback.routes.js";
import { windowOf } from "./window.js";

/** The feedback API: calling services (feedback role, or admin) report outcomes of decisions. */
export function createFeedbackRoutes(options: {
  feedback: FeedbackService;
  insights: InsightsService;
  requireRole: RequireRole;
  tiers: readonly string[];
  maxImportLines: number;
}): OpenAPIHono<AppEnv> {
  const { feedback } = options;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const guard = options.requireRole("feedback");
  app.use("/decisions/:id/feedback", guard);
  app.use("/feedback/import", guard);
  app.use("/feedback/requests", guard);
  const actor = (c: { get(key: "actor"): string | undefined }) => c.get("actor") ?? "unknown";

  app.openapi(feedbackRoutes.submit, async (c) => {
    let result;
    try {
      result = await feedback.submit(c.req.valid("param").id.toLowerCase(), c.req.valid("json"), actor(c));
    } catch (err) {
      if (err instanceof FeedbackConflictError) throw new ApiError("feedback_conflict", err.message, { existing: serialize(err.existing as StoredFeedback) });
      throw err;
    }
    return c.json({ status: result.status, feedback: serialize(result.feedback!), reviewId: result.reviewId ?? null }, result.status === "created" ? 201 : 200);
  });

  app.openapi(feedbackRoutes.requests, async (c) => {
    const q = c.req.valid("query");
    return c.json(await options.insights.labelRequests(windowOf(q, 7 * 24), { limit: q.limit, scan: q.scan }), 200);
  });

  app.openapi(feedbackRoutes.import, async (c) => {
    let lines;
    try {
      lines = parseFeedbackJsonl(await c.req.text(), options.tiers);
    } catch (err) {
      if (err instanceof FeedbackFileError) throw new ApiError("invalid_jsonl", err.message);
      throw err;
    }
    if (lines.length === 0) throw new ApiError("invalid_jsonl", "the body has no feedback lines");
    if (lines.length > options.maxImportLines)
      throw new ApiError("payload_too_large", `an import takes at most ${options.maxImportLines} lines (got ${lines.length}); split the file`);
    const results = await feedback.import(
      lines.map(({ line: _line, ...entry }) => ({ ...entry, decisionId: entry.decisionId?.toLowerCase() })),
      actor(c),
    );
    const issues = (status: string) =>
      results.flatMap((r, i) =>
        r.status === status ? [{ line: lines[i]!.line, decisionId: r.feedback?.decisionId ?? lines[i]!.decisionId ?? null, message: r.message ?? conflictMessage }] : [],
      );
    const count = (status: string) => results.filter((r) => r.status === status).length;
    return c.json(
      { lines: lines.length, created: count("created"), unchanged: count("unchanged"), conflicts: issues("conflict"), notFound: issues("not_found"), invalid: issues("invalid") },
      200,
    );
  });
  return app;
}

const conflictMessage = "this source already sent different feedback on this decision";

export function serialize(f: StoredFeedback) {
  return {
    id: f.id,
    decisionId: f.decisionId,
    source: f.source,
    verdict: f.verdict as "too_weak" | "ok" | "overkill",
    correctTier: f.correctTier,
    score: f.score,
    note: f.note,
    tier: f.tier,
    reason: f.reason,
    shadowOf: f.shadowOf,
    createdAt: f.createdAt.toISOString(),
  };
}
