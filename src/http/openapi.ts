import { errorStatus } from "../base/error-codes.js";

/**
 * The parts of GET /openapi.json that no single route states: the service,
 * where it runs, the tags that group the operations, and every error code
 * with its one status (the Error schema's `code` enum lists the same codes).
 */
export function openApiDocument(port: number) {
  return {
    openapi: "3.1.0",
    info: {
      title: "tierline",
      version: "0.1.0",
      description:
        "Routes each query to the cheapest model tier that can answer it; unsure means premium.\n\n" +
        'Every error has one shape, `{"error": {"code", "message", "requestId", "details"?}}`; the `code` is stable and has one HTTP status (listed in `x-error-codes`). ' +
        "Operations marked bearer need `Authorization: Bearer <token>` of the role they name: a token of another role is a 403 naming the role needed.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    servers: [
      { url: "/", description: "This service (the host that served this document)" },
      { url: "http://127.0.0.1:{port}", description: "A local instance (npm start)", variables: { port: { default: String(port), description: "PORT" } } },
    ],
    tags: [
      { name: "routing", description: "Which tier should answer this query. Open until route tokens are configured (role route)." },
      { name: "exemplars", description: "The curated example queries the router votes with (role admin)." },
      { name: "rules", description: "Service-wide routing rules, replaced and tested at run time (role admin)." },
      {
        name: "stats",
        description:
          "Traffic, cache hits, tier mix and savings over a window; misroute rates, the shadow-mode report, drift and labelled decisions from the decision log (role analyst, or admin).",
      },
      { name: "feedback", description: "Outcomes of logged decisions, reported by the calling services: one per decision and source (role feedback, or admin)." },
      {
        name: "review",
        description: "The curators' review queue: decisions whose feedback disagrees with routing, promoted to exemplars or dismissed; coverage gaps (role admin).",
      },
      { name: "gateway", description: "OpenAI-compatible chat completions: routed, forwarded to the tier's upstream, with fallbacks and an optional cascade (role route)." },
      { name: "operations", description: "Liveness, readiness and Prometheus metrics, for orchestrators and scrapers (no token)." },
    ],
    "x-error-codes": Object.entries(errorStatus).map(([code, status]) => ({ code, status })),
  };
}
