import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { compileRules, rulesSchema, type CompiledRule, type RequestFacts } from "../base/policy/rule-set.js";
import { estimateRequestTokens } from "../routing/estimate.js";
import { requestFacts } from "../routing/steps/apply-rules.js";
import { UNSTORABLE_TEXT_MESSAGE, unstorablePath } from "../base/text/storable.js";
import type { RulesStore } from "../stores/rules-store.js";
import { normalizeBounded } from "../base/text/normalize.js";
import { yieldToEventLoop } from "../base/util/yield.js";
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
/** Longest stretch of labelled-traffic matching between two yields to the event loop. */
const YIELD_AFTER_MS = 5;

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
        return c.json(evaluate(compiled, factsOf(parsed.data, options.maxInputChars)), 200);
      }
      if (body.labelled !== undefined) return c.json(await evaluateLabelled(compiled, body.labelled, options), 200);
      throw new ApiError("invalid_request", "give request (one /route body) or labelled (JSONL of query and tier)");
    },
  );
  return app;
}

/** The facts the router's rules step would see for this body: the same routed text, token estimate and conversation facts. */
function factsOf(body: RouteBody, maxInputChars: () => number): RequestFacts {
  const request = toRouteRequest(body, {});
  return requestFacts(request, normalizeBounded(request.query, maxInputChars()).text, estimateRequestTokens(request));
}

/** Which rules match, and the tier the first deciding one gives (null: the vote decides). */
function evaluate(compiled: readonly CompiledRule[], facts: RequestFacts) {
  const matched = compiled.filter((r) => r.test(facts)).map((r) => ({ name: r.rule.name, action: r.rule.action }));
  const decider = matched.find((m) => "tier" in m.action);
  return { matched, decidedBy: decider?.name ?? null, tier: decider && "tier" in decider.action ? decider.action.tier : null };
}

/**
 * Per line and in total: how often a rule decides, and how often its tier is
 * below the one the label needs (the costly mistake). Up to 10,000 lines
 * times 200 rules is seconds of matching, so it yields to the event loop
 * every few milliseconds: routing and health probes go on meanwhile.
 */
async function evaluateLabelled(compiled: readonly CompiledRule[], jsonl: string, options: Pick<RulesRoutesOptions, "tiers" | "maxInputChars">) {
  const lines = jsonl.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length > MAX_LABELLED_LINES) throw new ApiError("payload_too_large", `labelled takes at most ${MAX_LABELLED_LINES} lines`);
  const rank = (t: string) => options.tiers.indexOf(t);
  let decided = 0;
  let tooWeak = 0;
  let agree = 0;
  const byRule: Record<string, { decided: number; tooWeak: number }> = {};
  const rows: Array<{ line: number; label: string } & ReturnType<typeof evaluate>> = [];
  let sliceStart = performance.now();
  for (const [i, line] of lines.entries()) {
    if (performance.now() - sliceStart > YIELD_AFTER_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    let row: { query?: unknown; tier?: unknown };
    try {
      row = JSON.parse(line) as typeof row;
    } catch {
      throw new ApiError("invalid_jsonl", `labelled line ${i + 1}: not valid JSON`);
    }
    if (typeof row.query !== "string" || typeof row.tier !== "string" || rank(row.tier) < 0)
      throw new ApiError("invalid_jsonl", `labelled line ${i + 1}: needs "query" and a configured "tier"`);
    const result = evaluate(compiled, factsOf({ query: row.query }, options.maxInputChars));
    if (result.tier !== null) {
      decided++;
      const weak = rank(result.tier) < rank(row.tier);
      if (weak) tooWeak++;
      if (result.tier === row.tier) agree++;
      const r = (byRule[result.decidedBy!] ??= { decided: 0, tooWeak: 0 });
      r.decided++;
      if (weak) r.tooWeak++;
    }
    rows.push({ line: i + 1, label: row.tier, ...result });
  }
  return { lines: lines.length, decided, agree, tooWeak, byRule, rows };
}

/** POST /rules/test with `request`: which rules match and which decides. */
export type RuleTestResult = ReturnType<typeof evaluate>;
/** POST /rules/test with `labelled`: per line and in total. */
export type LabelledRuleTestResult = Awaited<ReturnType<typeof evaluateLabelled>>;
