import { OpenAPIHono } from "@hono/zod-openapi";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Gateway } from "../gateway/gateway.js";
import type { AppEnv } from "./app-env.js";
import type { RequireRole } from "./auth.js";
import { chatCompletionsRoute, modelsRoute } from "./chat-completions.routes.js";
import { ApiError, validationHook } from "./error-handler.js";
import { SESSION_HEADER } from "./route.js";
import { toRouteRequest } from "./route-request.js";

const TAG = /^[\x20-\x7e]{1,64}$/;

/** X-Tierline-Tags: "a, b" -> ["a", "b"]; the same limits as /route's `tags`. */
function tagsOf(header: string | undefined): string[] | undefined {
  if (header === undefined) return undefined;
  const tags = header
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  if (tags.length > 16 || tags.some((t) => !TAG.test(t))) throw new ApiError("invalid_request", "X-Tierline-Tags: up to 16 comma-separated labels of 1 to 64 printable characters");
  return tags;
}

/**
 * POST /v1/chat/completions and GET /v1/models: the OpenAI-compatible
 * gateway. The handler validates, hands the request to the gateway, and
 * returns the upstream's status, bytes and the x-tierline-* headers.
 */
export function createGatewayRoutes(gateway: Gateway, requireRole: RequireRole): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("/v1/*", requireRole("route"));

  app.openapi(chatCompletionsRoute, async (c) => {
    const { tierline: options = {}, ...body } = c.req.valid("json");
    const session = c.req.header("x-session-id");
    if (session !== undefined && !SESSION_HEADER.test(session)) throw new ApiError("invalid_request", "X-Session-Id: 1 to 200 printable ASCII characters without spaces");
    const caller = c.get("actor") ?? "anonymous";
    const target = gateway.resolve(body.model);
    // A profile routes on the conversation exactly as POST /route would: same rules, limits, session and tags.
    const route =
      target.kind === "profile"
        ? toRouteRequest({ messages: body.messages, tools: body.tools, ...options, tags: options.tags ?? tagsOf(c.req.header("x-tierline-tags")) }, { caller, sessionId: session })
        : undefined;
    const result = await gateway.complete({
      target,
      body,
      route,
      caller,
      // Aborted when the caller disconnects: the upstream call is cancelled with it.
      signal: c.req.raw.signal,
      breakCaller: () => {
        // Under @hono/node-server the socket's response is in env; elsewhere (app.request) the stream errors instead.
        const outgoing = (c.env as { outgoing?: { destroy(): void } } | undefined)?.outgoing;
        if (outgoing === undefined) return false;
        outgoing.destroy();
        return true;
      },
    });
    if (result.decision) {
      c.set("decision", result.decision);
      c.set("queryText", route?.query);
    }
    // c.body keeps what middleware already set (X-Request-Id); the body is the upstream's, unbuffered.
    return c.body(result.body as ReadableStream | Uint8Array<ArrayBuffer>, result.status as ContentfulStatusCode, result.headers) as never;
  });

  app.openapi(modelsRoute, (c) => {
    const created = Math.floor(Date.now() / 1000);
    const data = gateway.models().map((m) => ({
      id: m.id,
      object: "model" as const,
      created,
      owned_by: "tierline",
      tierline: m.kind === "profile" ? { kind: m.kind, ...(m.cascade !== undefined && { cascade: m.cascade }) } : { kind: m.kind, upstreams: m.upstreams },
    }));
    return c.json({ object: "list" as const, data }, 200);
  });
  return app;
}
