import type { z } from "@hono/zod-openapi";
import type { ErrorCode } from "../../base/error-codes.js";
import type { chatCompletionRequestSchema, chatCompletionSchema, modelListSchema } from "../chat-completions.routes.js";
import type { changed, exemplarInput, exemplarPage, exemplarPatch, exemplarSchema, importResult, writeResult } from "../exemplars.routes.js";
import type { LabelledRuleTestResult, RuleTestResult } from "../rules-handlers.js";
import type { errorSchema, readinessSchema, routeRequestSchema, routeResponseSchema } from "../schemas.js";
import type { gatewayStatsSchema } from "../gateway-stats-handlers.js";
import type { cacheStatsSchema, routingStatsSchema, statsSeriesSchema } from "../stats.js";
import type { Rule } from "../../base/policy/rule-set.js";
import type { feedbackImportResult, feedbackInputSchema, feedbackResult, labelRequestsSchema } from "../feedback.routes.js";
import type { driftSchema, feedbackStatsSchema, labelsPageSchema, shadowReportSchema } from "../insights.js";
import type { coverageGaps, dismissInput, promoteInput, promoteResult, reviewDetail, reviewItemSchema, reviewPage } from "../review.routes.js";

/**
 * The API's types as the service's zod schemas (src/http/*) infer them: the
 * source of packages/client/src/api-types.ts, which
 * scripts/generate-client-types.ts writes with every type spelled out (the
 * published client must not depend on the service or zod).
 * `npm run client:types` regenerates it; test/unit/client-types.test.ts
 * fails while the two differ. Every export here is one type of the client.
 */

/** A POST /route body: `query`, or OpenAI-style `messages`, plus optional limits, profile, session and tags. */
export type RouteRequest = z.input<typeof routeRequestSchema>;
/** The decision: tier, model, confidence, margin, reason, cost estimate, timings (neighbors and votes with explain). */
export type RouteDecision = z.output<typeof routeResponseSchema>;
/** One item of a batch: a decision, or that item's own error. */
export type BatchItem = RouteDecision | { error: { code: ErrorCode; message: string } };
export type Readiness = z.output<typeof readinessSchema>;
export type ErrorBody = z.output<typeof errorSchema>;
export type { ErrorCode, Rule };

export type Exemplar = z.output<typeof exemplarSchema>;
export type ExemplarInput = z.input<typeof exemplarInput>;
export type ExemplarPatch = z.input<typeof exemplarPatch>;
export type ExemplarWriteResult = z.output<typeof writeResult>;
export type ExemplarChange = z.output<typeof changed>;
export type ExemplarPage = z.output<typeof exemplarPage>;
export type ImportResult = z.output<typeof importResult>;

export type CacheStats = z.output<typeof cacheStatsSchema>;
export type RoutingStats = z.output<typeof routingStatsSchema>;
export type StatsSeries = z.output<typeof statsSeriesSchema>;

/** A chat-completions request through the gateway (OpenAI's, plus an optional `tierline` object of routing options). */
export type ChatCompletionRequest = z.input<typeof chatCompletionRequestSchema>;
/** The upstream's answer (a cascaded one adds `tierline`). */
export type ChatCompletion = z.output<typeof chatCompletionSchema>;
export type ModelList = z.output<typeof modelListSchema>;
export type GatewayStats = z.output<typeof gatewayStatsSchema>;

export type { LabelledRuleTestResult, RuleTestResult };

/** A report on a logged decision: verdict (too_weak, ok, overkill), correctTier?, score?, note?, source?, query?. */
export type FeedbackInput = z.input<typeof feedbackInputSchema>;
export type FeedbackResult = z.output<typeof feedbackResult>;
export type FeedbackImportResult = z.output<typeof feedbackImportResult>;
/** GET /feedback/requests: the logged decisions most worth labelling, most useful first within each tier. */
export type LabelRequests = z.output<typeof labelRequestsSchema>;
export type FeedbackStats = z.output<typeof feedbackStatsSchema>;
export type ShadowReport = z.output<typeof shadowReportSchema>;
export type Drift = z.output<typeof driftSchema>;
export type FeedbackLabelsPage = z.output<typeof labelsPageSchema>;
export type ReviewItem = z.output<typeof reviewItemSchema>;
export type ReviewPage = z.output<typeof reviewPage>;
export type ReviewDetail = z.output<typeof reviewDetail>;
export type CoverageGaps = z.output<typeof coverageGaps>;
export type PromoteInput = z.input<typeof promoteInput>;
export type PromoteResult = z.output<typeof promoteResult>;
export type DismissInput = z.input<typeof dismissInput>;
