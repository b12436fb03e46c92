import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { compileRules, rulesSchema, type CompiledRule, type RequestFacts } from "../base/policy/rule-set.js";
import { estimateRequestTokens } from "../routing/estimate.js";
import { requestFacts } from "../routing/steps/apply-rules.js";
import { UNSTORABLE_TEXT_MESSAGE, unstorablePath } from "../base/text/storable.js";
import type { RulesStore } from "../stores/rules-store.js";
import { normalizeQueryText } from "../routing/steps/normalize-query.js";
import { evaluateLabelled, evaluateRules } from "../routing/rule-test.js";
import type { AppEnv } from "./app-env.js";
import type { RequireRole } from "./auth.js";
import { ApiError, describeZodError, validationHook } from "./error-handler.js";
import { idempotentWrite, type IdempotencyDeps } from "./idempotency.js";
import { toRouteRequest, type RouteBody } from "./route-request.js";
import { errorSchema, routeRequestSchema } from "./schemas.js";

const json = (schema: z.ZodType, description: string) => ({ description, content: { "application/json": { schema } } });
const errors = { 400: json(errorSchema, "Invalid rules"), 401: json(errorSchema, "Missing or invalid token"), 403: json(errorSchema, "Not an admin token") };
// For the document only (requests are validated with the policy module's own schema): that schema is built
// before zod gains its OpenAPI methods, so it is described here rather than extended.
const ruleList = z.array(
  z
    .object({
      name: z.string(),
      match: z.record(z.string(), z.unknown()).openapi({ description: "Conditions, all of which must hold (docs/routing-policy.md)" }),
      action: z.record(z.string(), z.string()),
    })
    .openapi("Rule"),
);
const MAX_LABELLED_LINES = 10_000;

export interface RulesRoutesOptions {
  rules: RulesStore;
  requireRole: RequireRole;
  tiers: readonly string[];
  /** What the model reads (known once it has loaded). */
  maxInputChars: () => number;
  idempotency: IdempotencyDeps;
}

/** Admin endpoints for the service-wide routing rules: read, replace (audited, every replica follows), test a draft. */
export function createRulesRoutes(options: RulesRoutesOptions): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("/rules", options.requireRole("admin"));
  app.use("/rules/*", options.requireRole("admin"));
  const security = [{ bearer: [] }];

  app.openapi(
    createRoute({
      method: "get",
      path: "/rules",
      operationId: "getRules",
      summary: "The service-wide rules in force",
      tags: ["rules"],
      security,
      responses: { 200: json(z.object({ rules: ruleList, revision: z.number(), source: z.enum(["config", "database"]) }), "The rules"), ...errors },
    }),
    (c) => c.json(options.rules.list() as never, 200),
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/rules",
      operationId: "replaceRules",
      summary: "Replace the service-wide rules (validated, audited; every replica reloads them)",
      tags: ["rules"],
      security,
      request: { body: { required: true, content: { "application/json": { schema: z.object({ rules: z.array(z.unknown()).max(200) }) } } } },
      responses: { 200: json(z.object({ rules: ruleList, revision: z.number() }), "Replaced"), ...errors },
    }),
    async (c) => {
      const { rules } = c.req.valid("json");
      const parsed = rulesSchema.safeParse(rules);
      if (!parsed.success) throw new ApiError("invalid_rules", describeZodError(parsed.error));
      // Kept whole as jsonb: a string PostgreSQL cannot store would fail the write (text/storable.ts).
      const unstorable = unstorablePath(parsed.data);
      if (unstorable) throw new ApiError("invalid_rules", `rules.${unstorable.join(".")}: ${UNSTORABLE_TEXT_MESSAGE}`);
      return idempotentWrite(
        c,
        options.idempotency,
        parsed.data,
        (_receipt, budget) => options.rules.replace(parsed.data, c.get("actor") ?? "unknown", budget),
        (r) => ({ status: 200, body: r }),
      ) as never;
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/rules/test",
      operationId: "testRules",
      summary: "Test a draft rule set (or the rules in force) against a query or a labelled JSONL file, without applying it",
      tags: ["rules"],
      security,
      request: {
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z.object({
                rules: z.array(z.unknown()).max(200).optional().openapi({ description: "The draft; default the rules in force" }),
                request: z.unknown().optional().openapi({ description: "One /route body (query or messages, tags, tools)" }),
                labelled: z.string().max(8_000_000).optional().openapi({ description: 'JSONL, one {"query", "tier"} per line: how the draft would route labelled traffic' }),
              }),
            },
          },
        },
      },
      responses: { 200: json(z.unknown(), "What the rules do"), ...errors },
    }),
    async (c) => {
      const body = c.req.valid("json");
      let compiled: readonly CompiledRule[] = options.rules.current();
      if (body.rules !== undefined) {
        const parsed = rulesSchema.safeParse(body.rules);
        if (!parsed.success) throw new ApiError("invalid_rules", describeZodError(parsed.error));
        compiled = compileRules(parsed.data, options.tiers);
      }
      if (body.request !== undefined) {
        const parsed = routeRequestSchema.safeParse(body.request);
        if (!parsed.success) throw new ApiError("invalid_request", `request: ${describeZodError(parsed.error)}`);
        return c.json(evaluateRules(compiled, factsOf(parsed.data, options.maxInputChars)), 200);
      }
      if (body.labelled !== undefined) {
        const labelled = { tiers: options.tiers, factsOf: (query: string) => factsOf({ query }, options.maxInputChars), maxLines: MAX_LABELLED_LINES };
        return c.json(await evaluateLabelled(compiled, body.labelled, labelled), 200);
      }
      throw new ApiError("invalid_request", "give request (one /route body) or labelled (JSONL of query and tier)");
    },
  );
  return app;
}

/** The facts the router's rules step would see for this body: the same routed text, token estimate and conversation facts. */
function factsOf(body: RouteBody, maxInputChars: () => number): RequestFacts {
  const request = toRouteRequest(body, {});
  return requestFacts(request, normalizeQueryText(request.query, maxInputChars()).text, estimateRequestTokens(request));
}

/** POST /rules/test with `request`: which rules match and which decides. */
export type { LabelledRuleTestResult, RuleTestResult } from "../routing/rule-test.js";
