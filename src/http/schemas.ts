import { z } from "@hono/zod-openapi";
import { decisionReasons } from "../routing/decision.js";
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from "../base/text/storable.js";
import { errorCodes } from "../base/error-codes.js";

/** A string field whose text may reach the database: bounded, and holding nothing PostgreSQL refuses (text/storable.ts). */
export const textField = (max: number) => z.string().max(max).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);

const messagePart = z
  .object({ type: z.string().max(64), text: textField(1_000_000).optional() })
  .passthrough()
  .openapi("MessagePart");

export const chatMessage = z
  .object({
    role: z.string().min(1).max(64),
    content: z.union([textField(1_000_000), z.array(messagePart), z.null()]).optional(),
  })
  .passthrough()
  .openapi("ChatMessage");

/** A session id, in POST /route's body and the gateway's tierline options alike. */
export const sessionIdField = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

/** Free labels for reports, in POST /route's body and the gateway's tierline options alike. */
export const tagsField = z.array(textField(64).pipe(z.string().min(1))).max(16);

/** A tier's name, as a limit names it. */
export const tierNameField = z.string().min(1).max(64);

/**
 * hono's validator parses with safeParseAsync, and zod runs an object's compiled fast path only when it parses
 * synchronously. A schema with no async checks (these) loses nothing by parsing synchronously: for the body of
 * POST /route, the hottest schema, that took zod from about 5 % of a cache hit's main-thread time (issue 22).
 */
function parsedSynchronously<T extends z.ZodType>(schema: T): T {
  schema.safeParseAsync = async (data, params) => schema.safeParse(data, params);
  return schema;
}

export const routeRequestSchema = parsedSynchronously(
  z
    .object({
      query: textField(1_000_000).optional().openapi({ example: "What is the capital of France?" }),
      messages: z.array(chatMessage).min(1).optional().openapi({ description: "OpenAI-style chat; routed on the last user message" }),
      explain: z.boolean().optional().openapi({ description: "Also return the neighbors and vote shares" }),
      sessionId: sessionIdField.optional().openapi({ description: "Groups the requests of one session (the X-Session-Id header works too)" }),
      tags: tagsField.optional().openapi({ description: "Free labels for reports (feature, team, experiment)" }),
      profile: z.string().min(1).max(64).optional().openapi({ description: "A configured routing profile; default: the one the caller's token maps to, else the default" }),
      minTier: tierNameField.optional().openapi({ description: "Never answer a tier below this one" }),
      maxTier: tierNameField.optional().openapi({ description: "Never answer a tier above this one" }),
      allowedTiers: z.array(tierNameField).max(32).optional().openapi({ description: "Answer only one of these tiers" }),
      budget: z
        .number()
        .nonnegative()
        .finite()
        .optional()
        .openapi({ description: "Most this request may cost (estimated input tokens × tier price, in the configured currency); the router picks the best tier the budget allows" }),
      tools: z.array(z.unknown()).optional().openapi({ description: "OpenAI-style tool definitions; only their presence is used (rules can match on it)" }),
      shadow: z
        .boolean()
        .optional()
        .openapi({ description: "Shadow mode for this request: answer the shadow tier (premium), log the routed tier (shadowOf); default: shadow.enabled" }),
    })
    .refine((b) => b.query !== undefined || b.messages !== undefined, {
      message: "give either query (a string) or messages (an OpenAI-style array)",
    })
    .openapi("RouteRequest"),
);

export const routeQueryParamsSchema = z.object({
  explain: z.enum(["1", "0", "true", "false"]).optional().openapi({ description: "Same as explain: true in the body" }),
});

const neighborSchema = z.object({ id: z.number().int(), tier: z.string(), text: z.string(), similarity: z.number() }).openapi("Neighbor");

export const routeResponseSchema = z
  .object({
    decisionId: z.string(),
    tier: z.string(),
    model: z.string(),
    confidence: z.number().openapi({ description: "The chosen tier's own share of the similarity-weighted vote" }),
    margin: z.number().openapi({
      description: "Lead of the majority behind the choice: share for the chosen tier or cheaper minus share for more capable tiers; below routing.margin the query falls back",
    }),
    reason: z.enum(decisionReasons),
    profile: z.string(),
    cached: z.boolean(),
    revision: z.number().int(),
    truncated: z.boolean(),
    rule: z.string().optional().openapi({ description: "The rule that decided (reason rule) or bounded the answer" }),
    constrainedBy: z.string().optional().openapi({ description: "What moved the answer away from the router's verdict: rule, session, minTier, maxTier, allowedTiers or budget" }),
    estimatedInputTokens: z.number().int(),
    estimatedCost: z
      .object({ chosen: z.number(), mostCapable: z.number() })
      .openapi({ description: "Estimated cost of the input at the chosen tier and at the most capable tier" }),
    timings: z.object({ embedMs: z.number(), searchMs: z.number(), totalMs: z.number() }),
    shadowOf: z.string().optional().openapi({ description: "Shadow mode only: the tier routing chose (the answer is the shadow tier, reason shadow)" }),
    votedTier: z.string().nullable().optional(),
    votes: z.record(z.string(), z.number()).optional(),
    neighbors: z.array(neighborSchema).optional(),
    rules: z
      .array(z.object({ name: z.string(), action: z.record(z.string(), z.string()) }))
      .optional()
      .openapi({ description: "With explain: the rules whose conditions held" }),
  })
  .openapi("RouteDecision");

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(errorCodes).openapi({ description: "Stable error code; each has one HTTP status" }),
      message: z.string(),
      requestId: z.string(),
      details: z.unknown().optional().openapi({ description: "Only where a client needs more than the message (e.g. the conflicting exemplars of a 409)" }),
    }),
  })
  .openapi("Error");

export const readinessSchema = z
  .object({
    status: z.enum(["ready", "degraded", "starting", "draining"]),
    checks: z.object({
      model: z.boolean(),
      index: z.object({
        built: z.boolean(),
        exemplars: z.number(),
        revision: z.number().nullable(),
        byTier: z.record(z.string(), z.number()),
      }),
      database: z.object({ kind: z.enum(["pglite", "postgres"]), reachable: z.boolean() }),
    }),
  })
  .openapi("Readiness");
