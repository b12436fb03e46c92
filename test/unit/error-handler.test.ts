import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { DatabaseUnavailableError } from "../../src/adapters/db/database-guard.js";
import { BatchLaneFullError } from "../../src/adapters/embeddings/work-estimate.js";
import { errorStatus } from "../../src/base/error-codes.js";
import type { DomainError } from "../../src/base/errors.js";
import { InvalidRuleError } from "../../src/base/policy/rule-set.js";
import { GatewayError, GatewayRequestError, ModelNotFoundError } from "../../src/gateway/gateway-errors.js";
import { createErrorHandler } from "../../src/http/error-handler.js";
import { BudgetTooSmallError, InvalidLimitError } from "../../src/routing/limits.js";
import { UnknownProfileError } from "../../src/routing/routing-service.js";
import { EmptyQueryError } from "../../src/routing/steps/normalize-query.js";
import { IndexNotReadyError } from "../../src/stores/exemplars/curation-context.js";
import { ConcurrentExemplarWriteError, ExemplarConflictError, ExemplarNotFoundError, UnknownTierError } from "../../src/stores/exemplars/exemplar.js";
import { DecisionNotFoundError, FeedbackConflictError, InvalidFeedbackError, ReviewItemClosedError, ReviewItemNotFoundError } from "../../src/stores/feedback/feedback-errors.js";

/** Answers GET / by throwing `err` through the service's error handler; what it answered and logged. */
async function answer(err: Error) {
  const logged: Array<{ level: string; fields: Record<string, unknown> }> = [];
  const log = (level: string) => (fields: Record<string, unknown>) => logged.push({ level, fields });
  const app = new Hono();
  app.get("/", () => {
    throw err;
  });
  app.onError(createErrorHandler({ error: log("error"), warn: log("warn"), info: log("info") } as never));
  const res = await app.request("/");
  return { res, body: (await res.json()) as { error: { code: string; message: string; details?: unknown } }, logged };
}

const conflict = { text: "hi", tier: "fast", conflictsWith: { id: 3, text: "hello", tier: "premium", similarity: 0.97 } };

describe("the HTTP error handler answers a domain error by the code it carries", () => {
  const cases: Array<[DomainError, string, unknown?]> = [
    [new EmptyQueryError("query is empty"), "empty_query"],
    [new ModelNotFoundError("no model x"), "model_not_found"],
    [new GatewayRequestError("too deep"), "invalid_request"],
    [new ExemplarNotFoundError(7), "exemplar_not_found"],
    [new UnknownTierError("tier x"), "unknown_tier"],
    [new ExemplarConflictError([conflict]), "exemplar_conflict", { conflicts: [conflict] }],
    [new IndexNotReadyError(), "not_ready"],
    [new DecisionNotFoundError("d1", true), "decision_not_found"],
    [new FeedbackConflictError({ tierNeeded: "fast" }), "feedback_conflict", { existing: { tierNeeded: "fast" } }],
    [new InvalidFeedbackError("contradicts"), "invalid_request"],
    [new ReviewItemNotFoundError(4), "review_item_not_found"],
    [new ReviewItemClosedError(4, "promoted"), "review_item_closed", { status: "promoted" }],
    [new InvalidLimitError("minTier", "unknown"), "invalid_limit", { field: "minTier" }],
    [new BudgetTooSmallError({ tier: "fast", cost: 0.01 }, 0.001), "budget_too_small", { cheapest: { tier: "fast", cost: 0.01 }, budget: 0.001 }],
    [new UnknownProfileError("no profile p"), "unknown_profile"],
    [new InvalidRuleError("rule r"), "invalid_rules"],
    [new BatchLaneFullError(3000, 8000), "overloaded"],
    [new DatabaseUnavailableError("not_applied", "away"), "database_unavailable"],
    [new DatabaseUnavailableError("unknown", "away"), "outcome_unknown"],
    [new ConcurrentExemplarWriteError(), "concurrent_write"],
    [new GatewayError("upstream_timeout", "slow"), "upstream_timeout"],
  ];
  it.each(cases)("%s → %s", async (err, code, details) => {
    const { res, body } = await answer(err);
    expect(res.status).toBe(errorStatus[code as keyof typeof errorStatus]);
    expect(body.error).toMatchObject({ code, message: err.message });
    expect(body.error.details).toEqual(details);
  });

  it("says when to come back: the error's own retry-after, else 1 s for a 503", async () => {
    expect((await answer(new BatchLaneFullError(3000, 8000))).res.headers.get("retry-after")).toBe("3");
    expect((await answer(new DatabaseUnavailableError("not_applied", "away"))).res.headers.get("retry-after")).toBe("1");
    expect((await answer(new EmptyQueryError("empty"))).res.headers.get("retry-after")).toBeNull();
  });

  it("a gateway failure carries its decision headers and attempt trail, logged as a warning", async () => {
    const attempts = [{ upstream: "a", outcome: "timeout" }] as never;
    const { res, body, logged } = await answer(new GatewayError("upstream_rate_limited", "limited", { "x-tierline-tier": "fast" }, attempts, 9));
    expect(res.status).toBe(429);
    expect(res.headers.get("x-tierline-tier")).toBe("fast");
    expect(res.headers.get("retry-after")).toBe("9");
    expect(body.error.details).toEqual({ attempts });
    expect(logged).toEqual([{ level: "warn", fields: expect.objectContaining({ code: "upstream_rate_limited", attempts }) }]);
  });

  it("a unique-key violation is a generic concurrent write; the exemplar store says it was an exemplar", async () => {
    const driver = Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505" });
    expect((await answer(driver)).body.error).toMatchObject({ code: "concurrent_write", message: expect.stringMatching(/same record/) });
    expect((await answer(new ConcurrentExemplarWriteError({ cause: driver }))).body.error.message).toMatch(/same exemplar/);
  });

  it("anything else is a 500 logged at error level, with no detail leaked", async () => {
    const { res, body, logged } = await answer(new TypeError("x is undefined at secret.ts:3"));
    expect(res.status).toBe(500);
    expect(body.error.message).not.toMatch(/secret/);
    expect(logged.map((l) => l.level)).toEqual(["error"]);
  });
});
