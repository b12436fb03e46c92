import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env.js";
import type { Router } from "../routing/router.js";
import { extractQueryText } from "../routing/extract-query.js";
import { ApiError, validationHook } from "./errors.js";
import { errorSchema, routeQueryParamsSchema, routeRequestSchema, routeResponseSchema } from "./schemas.js";

const routeQuery = createRoute({
  method: "post",
  path: "/route",
  summary: "Choose the model tier for a query",
  request: {
    query: routeQueryParamsSchema,
    body: { required: true, content: { "application/json": { schema: routeRequestSchema } } },
  },
  responses: {
    200: { description: "The routing decision", content: { "application/json": { schema: routeResponseSchema } } },
    400: { description: "Invalid request", content: { "application/json": { schema: errorSchema } } },
    413: { description: "Body too large", content: { "application/json": { schema: errorSchema } } },
    415: { description: "Body is not JSON", content: { "application/json": { schema: errorSchema } } },
  },
});

export function createRouteRoutes(router: Router): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(routeQuery, async (c) => {
    const body = c.req.valid("json");
    const params = c.req.valid("query");
    const text = extractQueryText(body);
    if (text === null) throw new ApiError("no_user_message", "messages contains no message with role \"user\"");
    if (text.trim() === "") throw new ApiError("empty_query", "the query is empty or whitespace only");
    const explain = body.explain === true || params.explain === "1" || params.explain === "true";
    const decision = await router.route({ query: text, explain });
    c.set("decision", decision);
    c.set("queryText", text);
    return c.json(decision, 200);
  });
  return app;
}
