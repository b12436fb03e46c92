import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Decision } from "../routing/decision.js";
import type { RoutingService } from "../routing/routing-service.js";
import type { AppEnv } from "./app-env.js";
import type { RequireRole } from "./auth.js";
import { apiErrorOf, ApiError, describeZodError, validationHook } from "./error-handler.js";
import { toRouteRequest } from "./route-request.js";
import { errorSchema, routeQueryParamsSchema, routeRequestSchema, routeResponseSchema } from "./schemas.js";

export const SESSION_HEADER = /^[\x21-\x7e]{1,200}$/;
const MAX_BATCH = 256;
const json = (schema: z.ZodType, description: string) => ({ description, content: { "application/json": { schema } } });
const sessionHeader = z.object({ "x-session-id": z.string().optional().openapi({ description: "Session id, when not given in the body" }) });

const routeQuery = createRoute({
  method: "post",
  path: "/route",
  operationId: "route",
  tags: ["routing"],
  summary: "Choose the model tier for a query",
  request: {
    query: routeQueryParamsSchema,
    headers: sessionHeader,
    body: { required: true, content: { "application/json": { schema: routeRequestSchema } } },
  },
  responses: {
    200: json(routeResponseSchema, "The routing decision"),
    400: json(errorSchema, "Invalid request (a limit that names an unknown tier or contradicts another names the field)"),
    401: json(errorSchema, "Route tokens are configured and none (or a wrong one) was sent"),
    413: json(errorSchema, "Body too large"),
    415: json(errorSchema, "Body is not JSON"),
    422: json(errorSchema, "The budget does not cover the cheapest allowed tier"),
    503: json(errorSchema, "deadline_exceeded: no answer within http.requestTimeoutMs (the query's queued work is dropped)"),
  },
});

const routeBatch = createRoute({
  method: "post",
  path: "/route/batch",
  operationId: "routeBatch",
  tags: ["routing"],
  summary: "Route up to 256 queries in one call (one embedding pass); results in order, each a decision or an error",
  request: {
    headers: sessionHeader,
    body: { required: true, content: { "application/json": { schema: z.object({ queries: z.array(z.unknown()).min(1).max(MAX_BATCH) }) } } },
  },
  responses: {
    200: json(
      z.object({ results: z.array(z.union([routeResponseSchema, z.object({ error: z.object({ code: z.string(), message: z.string() }) })])) }),
      "One result per query, in order",
    ),
    400: json(errorSchema, "Not a batch"),
    401: json(errorSchema, "Route tokens are configured and none (or a wrong one) was sent"),
    503: json(
      errorSchema,
      "overloaded: more batch work waits for the model than it finishes in time (embedding.maxBatchQueueMs); nothing was routed, retry after Retry-After seconds. deadline_exceeded: past http.requestTimeoutMs",
    ),
  },
});

export function createRouteRoutes(router: RoutingService, requireRole: RequireRole): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("/route", requireRole("route"));
  app.use("/route/*", requireRole("route"));
  // While the model's batch lane has no room for even one more text, a batch is refused before its body is parsed.
  app.use("/route/batch", async (_c, next) => {
    router.admitBatch(1);
    await next();
  });
  const sessionOf = (header: string | undefined) => {
    if (header !== undefined && !SESSION_HEADER.test(header)) throw new ApiError("invalid_request", "X-Session-Id: 1 to 200 printable ASCII characters without spaces");
    return header;
  };

  // Documented in full; served with the body's validator only. The `explain` parameter and the session header are
  // checked here: two more validator layers (every header copied into an object, the URL's parameters parsed, two
  // zod passes) were a measurable part of a cache hit's work (issue 22), for checks this cheap.
  app.openAPIRegistry.registerPath(routeQuery);
  const { query: _query, headers: _headers, ...bodyOnly } = routeQuery.request;
  app.openapi({ ...routeQuery, hide: true, request: bodyOnly }, async (c) => {
    const params = explainParamOf(c.req.query("explain"));
    const body = c.req.valid("json");
    const explain = body.explain === true || params === "1" || params === "true";
    const request = { ...toRouteRequest(body, { caller: c.get("actor"), sessionId: sessionOf(c.req.header("x-session-id")), explain }), signal: c.get("signal") };
    const decision = await router.route(request);
    c.set("decision", decision);
    c.set("queryText", request.query);
    return c.json(decision, 200);
  });

  app.openapi(routeBatch, async (c) => {
    const sessionId = sessionOf(c.req.header("x-session-id"));
    const caller = c.get("actor");
    const { queries } = c.req.valid("json");
    // A batch the model's batch lane cannot take is refused (503 overloaded) before its items are looked at.
    router.admitBatch(queries.length);
    // Each item is validated on its own: one bad item is its own error, not the batch's.
    const prepared = queries.map((item, i) => {
      const parsed = routeRequestSchema.safeParse(item);
      if (!parsed.success) return new ApiError("invalid_request", `queries[${i}]: ${describeZodError(parsed.error)}`);
      try {
        return toRouteRequest(parsed.data, { caller, sessionId });
      } catch (err) {
        return err as Error;
      }
    });
    const requests = prepared.filter((p) => !(p instanceof Error));
    const routed = await router.routeMany(requests as Exclude<(typeof prepared)[number], Error>[], { signal: c.get("signal") });
    let next = 0;
    const results = prepared.map((p) => (p instanceof Error ? p : routed[next++]!)).map((r) => (r instanceof Error ? itemError(r) : (r as Decision)));
    return c.json({ results }, 200);
  });
  return app;
}

/** The `explain` query parameter; invalid, the 400 its schema's validator layer answered (validationHook's message). */
function explainParamOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = routeQueryParamsSchema.safeParse({ explain: value });
  if (!parsed.success) throw new ApiError("invalid_request", `${describeZodError(parsed.error)} (query)`);
  return parsed.data.explain;
}

/** A failed item as `{ error: { code, message } }`; faults stay faults (rethrown: the batch is a 500). */
function itemError(err: Error): { error: { code: string; message: string } } {
  const api = apiErrorOf(err);
  if (api === null) throw err;
  return { error: { code: api.code, message: api.message } };
}
