import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env.js";
import type { Router } from "../routing/router.js";
import { extractQueryText } from "../routing/extract-query.js";
import type { RequireRole } from "./auth.js";
import { ApiError, validationHook } from "./errors.js";
import { errorSchema, routeQueryParamsSchema, routeRequestSchema, routeResponseSchema } from "./schemas.js";

const routeQuery = createRoute({
  method: "post",
  path: "/route",
  summary: "Choose the model tier for a query",
  request: {
    query: routeQueryParamsSchema,
    headers: z.object({ "x-session-id": z.string().optional().openapi({ description: "Session id, when not given in the body" }) }),
    body: { required: true, content: { "application/json": { schema: routeRequestSchema } } },
  },
  responses: {
    200: { description: "The routing decision", content: { "application/json": { schema: routeResponseSchema } } },
    400: { description: "Invalid request", content: { "application/json": { schema: errorSchema } } },
    401: { description: "Route tokens are configured and none (or a wrong one) was sent", content: { "application/json": { schema: errorSchema } } },
    413: { description: "Body too large", content: { "application/json": { schema: errorSchema } } },
    415: { description: "Body is not JSON", content: { "application/json": { schema: errorSchema } } },
  },
});

export const SESSION_HEADER = /^[\x21-\x7e]{1,200}$/;

export function createRouteRoutes(router: Router, requireRole: RequireRole): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("/route", requireRole("route"));
  app.openapi(routeQuery, async (c) => {
    const body = c.req.valid("json");
    const params = c.req.valid("query");
    const text = extractQueryText(body);
    if (text === null) throw new ApiError("no_user_message", "messages contains no message with role \"user\"");
    if (text.trim() === "") throw new ApiError("empty_query", "the query is empty or whitespace only");
    const explain = body.explain === true || params.explain === "1" || params.explain === "true";
    const header = c.req.header("x-session-id");
    if (header !== undefined && !SESSION_HEADER.test(header)) throw new ApiError("invalid_request", "X-Session-Id: 1 to 200 printable ASCII characters without spaces");
    const decision = await router.route({ query: text, explain, caller: c.get("actor"), sessionId: body.sessionId ?? header, tags: body.tags });
    c.set("decision", decision);
    c.set("queryText", text);
    return c.json(decision, 200);
  });
  return app;
}
