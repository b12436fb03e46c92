import { createRoute, z } from "@hono/zod-openapi";
import { MAX_FEEDBACK_NOTE, MAX_FEEDBACK_QUERY, SOURCE } from "../stores/feedback/feedback-jsonl.js";
import { feedbackVerdicts } from "../stores/feedback/verdicts.js";
import { errorSchema, textField } from "./schemas.js";
import { windowQuery } from "./window.js";

/** Schemas and OpenAPI definitions of the feedback API. */

const error = (description: string) => ({ description, content: { "application/json": { schema: errorSchema } } });
const security = [{ bearer: [] }];

export const feedbackInputSchema = z
  .object({
    verdict: z
      .enum(feedbackVerdicts)
      .openapi({ description: "About the tier that answered: too_weak (a more capable tier was needed), ok, overkill (a cheaper tier would have done)" }),
    correctTier: textField(64).optional().openapi({ description: "The tier that was right, when known; must agree with the verdict" }),
    score: z.number().min(0).max(1).optional().openapi({ description: "An evaluator's grade of the answer, 0..1" }),
    note: textField(MAX_FEEDBACK_NOTE).optional(),
    source: z
      .string()
      .regex(SOURCE, "1 to 64 printable ASCII characters")
      .optional()
      .openapi({ description: "Who judged (default: the token label); one report per decision and source" }),
    query: textField(MAX_FEEDBACK_QUERY).optional().openapi({ description: "The query text, for the review queue when the log keeps none (checked against the decision)" }),
  })
  .strict()
  .openapi("FeedbackInput");

export const feedbackSchema = z
  .object({
    id: z.number().int(),
    decisionId: z.string(),
    source: z.string(),
    verdict: z.enum(feedbackVerdicts),
    correctTier: z.string().nullable(),
    score: z.number().nullable(),
    note: z.string().nullable(),
    tier: z.string().openapi({ description: "The tier that answered" }),
    reason: z.string(),
    shadowOf: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Feedback");

export const feedbackResult = z.object({
  status: z.enum(["created", "unchanged"]),
  feedback: feedbackSchema,
  reviewId: z.number().int().nullable().openapi({ description: "The review item this decision is in, when feedback disagrees with routing" }),
});

const lineIssue = z.object({ line: z.number().int(), decisionId: z.string().nullable(), message: z.string() });
export const feedbackImportResult = z.object({
  lines: z.number(),
  created: z.number(),
  unchanged: z.number(),
  conflicts: z.array(lineIssue),
  notFound: z.array(lineIssue),
  invalid: z.array(lineIssue),
});

export const labelRequestsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    scanned: z.number().openapi({ description: "Decisions without feedback the ranking looked at (the most recent in the window)" }),
    requests: z.array(
      z.object({
        decisionId: z.string(),
        at: z.string(),
        tier: z.string().openapi({ description: "The tier that answered" }),
        routed: z.string().openapi({ description: "The tier routing chose (differs in shadow mode)" }),
        reason: z.string(),
        confidence: z.number(),
        nearestSimilarity: z.number().nullable(),
        query: z.string().nullable().openapi({ description: "The logged text (decisions.storeText), else null: send it with the report" }),
        score: z.number().openapi({ description: "0..1: how much a label here would move the operating point" }),
        why: z.array(z.string()),
      }),
    ),
  })
  .openapi("LabelRequests");

export const feedbackRoutes = {
  requests: createRoute({
    method: "get",
    path: "/feedback/requests",
    operationId: "getLabelRequests",
    summary: "The logged decisions most worth labelling: where routing doubted its tier or is far from every exemplar, spread across the tiers",
    tags: ["feedback"],
    security,
    request: {
      query: windowQuery(7 * 24).extend({
        limit: z.coerce.number().int().min(1).max(500).default(50),
        scan: z.coerce.number().int().min(1).max(50_000).default(5_000).openapi({ description: "How many of the window's most recent unlabelled decisions to rank" }),
      }),
    },
    responses: {
      200: { description: "Decisions to label, most useful first within each tier, tiers in turn", content: { "application/json": { schema: labelRequestsSchema } } },
      400: error("Invalid window or limits"),
      401: error("Missing or invalid token"),
      403: error("The token has another role"),
      503: error("Database unavailable"),
    },
  }),
  submit: createRoute({
    method: "post",
    path: "/decisions/{id}/feedback",
    operationId: "submitFeedback",
    summary: "Report the outcome of a decision (idempotent per decision and source)",
    tags: ["feedback"],
    security,
    request: {
      params: z.object({
        id: z
          .string()
          .uuid("must be a decision id (UUID)")
          .openapi({ param: { name: "id", in: "path" } }),
      }),
      body: { required: true, content: { "application/json": { schema: feedbackInputSchema } } },
    },
    responses: {
      201: { description: "Recorded", content: { "application/json": { schema: feedbackResult } } },
      200: { description: "The same report was already recorded", content: { "application/json": { schema: feedbackResult } } },
      400: error("Invalid report (a correctTier that contradicts the verdict, a query that is not the decision's)"),
      401: error("Missing or invalid token"),
      403: error("The token has another role"),
      404: error("No logged decision with this id"),
      409: error("This source already reported something else on this decision"),
    },
  }),
  import: createRoute({
    method: "post",
    path: "/feedback/import",
    operationId: "importFeedback",
    summary: "Import reports as JSONL: {decisionId or query, verdict, correctTier?, score?, note?, source?} per line",
    tags: ["feedback"],
    security,
    request: { body: { required: true, content: { "application/x-ndjson": { schema: z.string() } } } },
    responses: {
      200: {
        description: "Every valid line written in one transaction; lines that could not be applied are listed",
        content: {
          "application/json": {
            schema: feedbackImportResult,
          },
        },
      },
      400: error("A line is not valid JSON or not a report"),
      401: error("Missing or invalid token"),
      413: error("Too many lines or bytes"),
    },
  }),
};
