import { createRoute, z } from "@hono/zod-openapi";
import { MAX_EXEMPLAR_NOTE, MAX_EXEMPLAR_TEXT } from "../stores/exemplars/exemplar.js";
import { exemplarSchema } from "./exemplars.routes.js";
import { feedbackSchema } from "./feedback.routes.js";
import { errorSchema, textField } from "./schemas.js";
import { windowQuery } from "./window.js";

/** Schemas and OpenAPI definitions of the curators' review queue. */

const error = (description: string) => ({ description, content: { "application/json": { schema: errorSchema } } });
const errors = {
  400: error("Invalid request"),
  401: error("Missing or invalid token"),
  403: error("The token has another role"),
  404: error("No such review item"),
  409: error("The item is closed already, or the exemplar conflicts with one of another tier"),
  503: error("Database unavailable, or the index not built yet"),
};
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const security = [{ bearer: [] }];
const idParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,15}$/, "must be a positive integer")
    .openapi({ param: { name: "id", in: "path" } }),
});
const neighbor = z.object({ id: z.number().int(), tier: z.string(), text: z.string(), similarity: z.number() });

export const reviewItemSchema = z
  .object({
    id: z.number().int(),
    decisionId: z.string(),
    decisionAt: z.string(),
    tier: z.string().openapi({ description: "The tier that answered" }),
    reason: z.string(),
    shadowOf: z.string().nullable().openapi({ description: "Shadow mode: the tier routing chose" }),
    verdict: z.string().openapi({ description: "The first disagreeing verdict" }),
    suggestedTier: z.string().openapi({ description: "The tier the feedback points to (correctTier, or the nearest tier it allows)" }),
    text: z.string().nullable().openapi({ description: "Sent with feedback, or kept by the log (decisions.storeText); null: neither" }),
    feedbackCount: z.number().int(),
    status: z.enum(["open", "promoted", "dismissed"]),
    resolvedBy: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    exemplarId: z.number().int().nullable(),
    createdAt: z.string(),
    nearest: neighbor.nullable().openapi({ description: "Its nearest exemplar now (in a list only)" }),
  })
  .openapi("ReviewItem");

export const reviewPage = z.object({
  total: z.number().int(),
  groups: z.array(z.object({ exemplar: neighbor.nullable(), items: z.array(reviewItemSchema) })),
  nextCursor: z.string().nullable(),
});
export const coverageGaps = z.object({
  from: z.string(),
  to: z.string(),
  threshold: z.number(),
  farDecisions: z.number(),
  farQueries: z.number(),
  withText: z.number(),
  clusters: z.array(z.object({ size: z.number(), meanNearestSimilarity: z.number(), samples: z.array(z.string()), nearestExemplar: neighbor.nullable() })),
});
export const reviewDetail = z.object({
  item: reviewItemSchema,
  feedback: z.array(feedbackSchema),
  audit: z.array(z.object({ action: z.string(), actor: z.string(), detail: z.unknown(), at: z.string() })),
});
export const promoteInput = z
  .object({
    tier: textField(64).optional().openapi({ description: "Default: the item's suggested tier" }),
    text: textField(MAX_EXEMPLAR_TEXT).optional().openapi({ description: "Only when the item has no text" }),
    note: textField(MAX_EXEMPLAR_NOTE).optional(),
  })
  .strict();
export const promoteResult = z.object({
  item: reviewItemSchema,
  exemplar: exemplarSchema.extend({ status: z.enum(["created", "unchanged", "moved"]) }),
  revision: z.number().int(),
});
export const dismissInput = z.object({ note: textField(MAX_EXEMPLAR_NOTE).optional() }).strict();

export const reviewRoutes = {
  list: createRoute({
    method: "get",
    path: "/review",
    operationId: "listReviewItems",
    summary: "Queries whose feedback disagrees with routing, grouped by their nearest exemplar",
    tags: ["review"],
    security,
    request: {
      query: z.object({
        status: z.enum(["open", "promoted", "dismissed"]).default("open"),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        cursor: z
          .string()
          .regex(/^\d{1,15}$/)
          .optional()
          .openapi({ description: "nextCursor of the previous page" }),
      }),
    },
    responses: {
      200: json(reviewPage, "A page of items (id order), grouped; groups with most items first; items without text in a group of their own"),
      ...errors,
    },
  }),
  gaps: createRoute({
    method: "get",
    path: "/review/gaps",
    operationId: "getCoverageGaps",
    summary: "Coverage gaps: clusters of logged queries far from every exemplar, largest first, for curators to label",
    tags: ["review"],
    security,
    request: {
      query: windowQuery(30 * 24).extend({
        threshold: z.coerce
          .number()
          .min(-1)
          .max(1)
          .optional()
          .openapi({ description: "Nearest-exemplar similarity below which a query is far; default routing.minSimilarity + 0.1" }),
        clusterSimilarity: z.coerce.number().min(0).max(1).default(0.6),
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
    },
    responses: {
      200: json(coverageGaps, "Clusters of far queries that have text (logged with decisions.storeText, or sent with feedback)"),
      ...errors,
    },
  }),
  get: createRoute({
    method: "get",
    path: "/review/{id}",
    operationId: "getReviewItem",
    summary: "One review item with every report on its decision and its audit trail",
    tags: ["review"],
    security,
    request: { params: idParams },
    responses: {
      200: json(reviewDetail, "The item"),
      ...errors,
    },
  }),
  promote: createRoute({
    method: "post",
    path: "/review/{id}/promote",
    operationId: "promoteReviewItem",
    summary: "Add the item's query as an exemplar (conflict rules as for POST /exemplars) and close it",
    tags: ["review"],
    security,
    request: {
      params: idParams,
      query: z.object({ force: z.enum(["true", "false", "1", "0"]).optional().openapi({ description: "Keep near-duplicates across tiers" }) }),
      body: {
        required: false,
        content: {
          "application/json": { schema: promoteInput },
        },
      },
    },
    responses: {
      201: json(promoteResult, "Promoted"),
      ...errors,
    },
  }),
  dismiss: createRoute({
    method: "post",
    path: "/review/{id}/dismiss",
    operationId: "dismissReviewItem",
    summary: "Close the item without changing any exemplar",
    tags: ["review"],
    security,
    request: { params: idParams, body: { required: false, content: { "application/json": { schema: dismissInput } } } },
    responses: { 200: json(z.object({ item: reviewItemSchema }), "Dismissed"), ...errors },
  }),
};
