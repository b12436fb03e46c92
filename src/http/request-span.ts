import { context, propagation, type TextMapGetter } from "@opentelemetry/api";
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { decisionAttributes, failSpan, inSpan, SpanKind } from "../base/util/spans.js";
import type { AppEnv } from "./app-env.js";

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * One server span per request (docs/operations.md#tracing), a child of the
 * caller's trace when it sent a `traceparent`: named `METHOD /route/pattern`
 * once the route is known, with the status and, for a routed request, the
 * decision's id, tier and reason. Everything the request does runs inside it.
 */
export function requestSpan(): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const { method } = c.req;
    const parent = propagation.extract(context.active(), c.req.raw.headers, headerGetter);
    const attributes = { "http.request.method": method, "url.path": c.req.path };
    return inSpan(
      method,
      attributes,
      async (span) => {
        await next();
        // The handler's pattern, not the path: /exemplars/:id, not one span name per exemplar. Middleware is registered for ALL methods.
        const route = matchedRoutes(c).find((r) => r.method !== "ALL")?.path;
        if (route !== undefined) {
          span.updateName(`${method} ${route}`);
          span.setAttribute("http.route", route);
        }
        const status = c.res.status;
        span.setAttribute("http.response.status_code", status);
        if (status >= 500) failSpan(span, c.error ?? `HTTP ${status}`);
        const decision = c.get("decision");
        if (decision) span.setAttributes(decisionAttributes(decision));
      },
      { kind: SpanKind.SERVER, parent },
    );
  };
}
