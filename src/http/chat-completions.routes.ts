import { createRoute, z } from "@hono/zod-openapi";
import { chatMessage, errorSchema, sessionIdField, tagsField, tierNameField } from "./schemas.js";

/** tierline's own fields of a chat request: POST /route's session, tags and per-request limits. Never forwarded upstream. */
const tierlineExtension = z
  .object({
    sessionId: sessionIdField.optional().openapi({ description: "Groups the requests of one session (the X-Session-Id header works too)" }),
    tags: tagsField.optional().openapi({ description: "Free labels for reports (the X-Tierline-Tags header works too)" }),
    minTier: tierNameField.optional(),
    maxTier: tierNameField.optional(),
    allowedTiers: z.array(tierNameField).max(32).optional(),
    budget: z.number().nonnegative().finite().optional(),
  })
  .strict()
  .openapi("TierlineRequestOptions", { description: "Routing options as POST /route takes them (limits, session, tags); removed before the request is forwarded" });

/** OpenAI's chat-completions request: model and messages checked, every other field forwarded as sent. */
export const chatCompletionRequestSchema = z
  .object({
    model: z.string().min(1).max(200).openapi({
      description: '"tierline" (the caller\'s profile) or a profile name: routed; a tier name, or a concrete upstream model: passed straight through',
      example: "tierline",
    }),
    messages: z.array(chatMessage).min(1).openapi({ description: "Routed on the last user message, as POST /route routes; forwarded whole" }),
    stream: z.boolean().nullable().optional().openapi({ description: "Server-sent events, passed through as the upstream sends them" }),
    tools: z.array(z.unknown()).optional().openapi({ description: "Forwarded; their presence is a routing fact (rules can match on it)" }),
    tierline: tierlineExtension.optional(),
  })
  .passthrough()
  .openapi("ChatCompletionRequest");

export const chatCompletionSchema = z
  .object({
    id: z.string().optional(),
    object: z.string().optional(),
    model: z.string().optional(),
    choices: z.array(z.unknown()).optional(),
    usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number().optional() }).passthrough().optional(),
    tierline: z
      .object({ decisionId: z.string(), cascade: z.unknown(), attempts: z.array(z.unknown()) })
      .optional()
      .openapi({ description: "Only on a cascaded answer: the cascade's rungs, its check's score and every attempt" }),
  })
  .passthrough()
  .openapi("ChatCompletion");

const tierlineHeaders = {
  "x-tierline-decision-id": {
    description: "The routing decision (or a fresh id when a tier or model was named); the attempt log is keyed by it",
    schema: { type: "string" as const },
  },
  "x-tierline-tier": { description: "The tier the decision chose (or the caller named)", schema: { type: "string" as const } },
  "x-tierline-reason": { description: "The decision's reason (knn, low_margin_fallback, llm_rated, …), or tier / model when named directly", schema: { type: "string" as const } },
  "x-tierline-served-tier": {
    description: "The tier whose upstream answered (differs after a fallback to another tier or an accepted cascade)",
    schema: { type: "string" as const },
  },
  "x-tierline-upstream": { description: "The id of the upstream that answered", schema: { type: "string" as const } },
  "x-tierline-attempts": { description: "Every attempt in order: upstream=outcome[:status], comma-separated", schema: { type: "string" as const } },
};

const errorContent = { "application/json": { schema: errorSchema } };

export const chatCompletionsRoute = createRoute({
  method: "post",
  path: "/v1/chat/completions",
  operationId: "createChatCompletion",
  tags: ["gateway"],
  summary: "OpenAI-compatible chat completions: route, forward, fall back, cascade",
  security: [{ bearer: [] }],
  request: {
    headers: z.object({
      "x-session-id": z.string().optional().openapi({ description: "Session id for the routing decision" }),
      "x-tierline-tags": z.string().optional().openapi({ description: "Comma-separated labels for reports (up to 16, 64 characters each)" }),
    }),
    body: { required: true, content: { "application/json": { schema: chatCompletionRequestSchema } } },
  },
  responses: {
    200: {
      description: "The upstream's answer, its bytes unchanged (a cascaded answer adds `tierline`)",
      headers: tierlineHeaders,
      content: {
        "application/json": { schema: chatCompletionSchema },
        "text/event-stream": { schema: z.string().openapi({ description: "The upstream's SSE stream, byte for byte" }) },
      },
    },
    400: {
      description:
        "Invalid request (no user message, empty query, a limit naming an unknown tier, an unknown profile, JSON nested deeper than gateway.maxJsonDepth), or the upstream refused it (its body passed on)",
      content: errorContent,
    },
    401: { description: "Route tokens are configured and none (or a wrong one) was sent", content: errorContent },
    404: { description: "model names no profile, tier or upstream model", content: errorContent },
    413: { description: "Body larger than gateway.maxBodyBytes", content: errorContent },
    422: { description: "The budget does not cover the cheapest allowed tier", content: errorContent },
    429: { description: "Every upstream of the chain is rate-limited (Retry-After says when to come back)", content: errorContent },
    502: { description: "No upstream answered (error.details.attempts lists each attempt), or an upstream refused tierline's key", content: errorContent },
    503: { description: "No tier has upstreams configured", content: errorContent },
    504: { description: "No upstream answered within gateway.requestTimeoutMs", content: errorContent },
  },
});

const modelSchema = z
  .object({
    id: z.string(),
    object: z.literal("model"),
    created: z.number().int(),
    owned_by: z.string(),
    tierline: z.object({ kind: z.enum(["profile", "tier"]), cascade: z.boolean().optional(), upstreams: z.array(z.string()).optional() }),
  })
  .openapi("GatewayModel");

export const modelListSchema = z.object({ object: z.literal("list"), data: z.array(modelSchema) }).openapi("GatewayModelList");

export const modelsRoute = createRoute({
  method: "get",
  path: "/v1/models",
  operationId: "listModels",
  tags: ["gateway"],
  summary: "The profiles and tiers a chat-completions request may name as its model",
  security: [{ bearer: [] }],
  responses: {
    200: { description: "OpenAI's model list", content: { "application/json": { schema: modelListSchema } } },
    401: { description: "Route tokens are configured and none (or a wrong one) was sent", content: errorContent },
  },
});
