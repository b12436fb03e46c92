/* eslint-disable @typescript-eslint/no-explicit-any -- bodies are checked field by field */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { databaseTargets } from "../helpers/databases.js";
import { call, metric } from "../helpers/http.js";
import { defaultTestEncoder, sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

const ADMIN = "admin-token-0123456789ab";
const ANALYST = "analyst-token-0123456789";
const FEEDBACK = "feedback-token-0123456789";
const env = { TIERLINE_ADMIN_TOKEN: ADMIN, TIERLINE_ANALYST_TOKEN: ANALYST, TIERLINE_FEEDBACK_TOKENS: `evals:${FEEDBACK}` };
const UNKNOWN = "5b0c4a3e-9d1f-4c55-8a77-0d0f6b7e2a11";

// Feedback on decisions: every path and every error, on each database.
describe.each(databaseTargets())("feedback on $name", (target) => {
  const encoder = defaultTestEncoder();
  let database: DatabaseHandle;
  let service: TestService;

  beforeAll(async () => {
    database = await target.open();
    // A long flush interval: feedback must find decisions still in the buffer.
    service = await startTestService({ database, encoder, exemplars: sampleExemplars, env, config: { decisions: { flushIntervalMs: 60_000 } } });
  });
  afterAll(async () => {
    await service.deps.lifecycle.stop();
    await database.close();
  });

  const route = async (query: string, extra: Record<string, unknown> = {}) => (await call(service.app, "POST", "/route", { json: { query, ...extra } })).body;
  const feedback = (id: string, json: unknown, token = FEEDBACK) => call(service.app, "POST", `/decisions/${id}/feedback`, { token, json });

  it("records a report on a decision not yet flushed (201), replays an identical repeat (200) and refuses a different one (409)", async () => {
    const d = await route("What is the capital city of Peru?");
    expect(d.tier).toBe("fast");
    expect(service.deps.decisionLogWriter!.peek(d.decisionId)).toBeDefined(); // still only in memory
    const first = await feedback(d.decisionId, { verdict: "too_weak", score: 0.25, note: "answer was wrong" });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      status: "created",
      feedback: {
        decisionId: d.decisionId,
        source: "evals",
        verdict: "too_weak",
        correctTier: null,
        score: 0.25,
        note: "answer was wrong",
        tier: "fast",
        reason: "knn",
        shadowOf: null,
      },
      reviewId: expect.any(Number),
    });
    const again = await feedback(d.decisionId, { verdict: "too_weak", score: 0.25, note: "answer was wrong" });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: "unchanged", feedback: { id: first.body.feedback.id }, reviewId: first.body.reviewId });
    const other = await feedback(d.decisionId, { verdict: "ok" });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: "feedback_conflict", details: { existing: { id: first.body.feedback.id, verdict: "too_weak" } } });
    // Another source is another opinion, on the same review item.
    const second = await feedback(d.decisionId, { verdict: "too_weak", correctTier: "premium", source: "user-thumbs" });
    expect(second.status).toBe(201);
    expect(second.body.reviewId).toBe(first.body.reviewId);
    const item = await call(service.app, "GET", `/review/${first.body.reviewId}`, { token: ADMIN });
    expect(item.body.item).toMatchObject({ feedbackCount: 2, suggestedTier: "standard", status: "open" });
    expect(item.body.feedback.map((f: any) => f.source)).toEqual(["evals", "user-thumbs"]);
    expect(item.body.audit.map((a: any) => a.action)).toEqual(["opened", "feedback"]);
  });

  it("a report that agrees with routing opens no review item", async () => {
    const d = await route("What is the capital city of Kenya?");
    const ok = await feedback(d.decisionId, { verdict: "ok", correctTier: d.tier, score: 1 });
    expect(ok.status).toBe(201);
    expect(ok.body.reviewId).toBeNull();
  });

  it("answers 404 for an unknown decision, 400 for a malformed id, an unknown tier, a contradiction or a query that is not the decision's", async () => {
    const d = await route("Translate 'thank you' into Italian");
    const expectError = async (res: Promise<{ status: number; body: any }>, status: number, code: string, message?: RegExp) => {
      const r = await res;
      expect(r.status).toBe(status);
      expect(r.body.error.code).toBe(code);
      if (message) expect(r.body.error.message).toMatch(message);
    };
    await expectError(feedback(UNKNOWN, { verdict: "ok" }), 404, "decision_not_found", /no logged decision/);
    await expectError(feedback("not-a-uuid", { verdict: "ok" }), 400, "invalid_request", /id/);
    await expectError(feedback(d.decisionId, { verdict: "great" }), 400, "invalid_request", /verdict/);
    await expectError(feedback(d.decisionId, { verdict: "too_weak", correctTier: "gold" }), 400, "unknown_tier");
    await expectError(feedback(d.decisionId, { verdict: "too_weak", correctTier: "fast" }), 400, "invalid_request", /more capable/);
    await expectError(feedback(d.decisionId, { verdict: "ok", correctTier: "premium" }), 400, "invalid_request", /ok means/);
    await expectError(feedback(d.decisionId, { verdict: "ok", score: 1.5 }), 400, "invalid_request", /score/);
    await expectError(feedback(d.decisionId, { verdict: "ok", query: "Translate 'please' into Italian" }), 400, "invalid_request", /not the text/);
    await expectError(feedback(d.decisionId, { verdict: "ok", note: "a\u0000b" }), 400, "invalid_request", /NUL/);
    await expectError(feedback(d.decisionId, { verdict: "ok", extra: 1 }), 400, "invalid_request");
    expect((await feedback(d.decisionId, { verdict: "ok", query: "  Translate 'thank you'   into Italian " })).status).toBe(201);
  });

  it("takes the feedback role (or admin) and no other", async () => {
    const d = await route("What is 9 times 7?");
    expect((await feedback(d.decisionId, { verdict: "ok" }, ADMIN)).status).toBe(201);
    const analyst = await feedback(d.decisionId, { verdict: "ok" }, ANALYST);
    expect(analyst.status).toBe(403);
    expect(analyst.body.error.message).toMatch(/needs the feedback role/);
    expect((await call(service.app, "POST", `/decisions/${d.decisionId}/feedback`, { json: { verdict: "ok" } })).status).toBe(401);
    expect((await call(service.app, "GET", "/review", { token: FEEDBACK })).status).toBe(403);
    expect((await call(service.app, "GET", "/exemplars", { token: FEEDBACK })).status).toBe(403);
    expect((await call(service.app, "GET", "/stats/feedback", { token: FEEDBACK })).status).toBe(403);
  });

  it("imports JSONL by decision id or by query text, with a status per line, in one go", async () => {
    const a = await route("Who wrote Pride and Prejudice?");
    const b = await route("Write a Python function that reverses a linked list");
    const c = await route("Summarise the plot of Hamlet in two sentences");
    await feedback(c.decisionId, { verdict: "ok", source: "batch" });
    const lines = [
      JSON.stringify({ decisionId: a.decisionId, verdict: "ok", source: "batch" }),
      "",
      JSON.stringify({ query: "Write a Python function that reverses a linked list", verdict: "overkill", correctTier: "fast", source: "batch" }),
      JSON.stringify({ decisionId: c.decisionId, verdict: "ok", source: "batch" }), // the same again: unchanged
      JSON.stringify({ decisionId: c.decisionId, verdict: "too_weak", source: "batch-2" }),
      JSON.stringify({ decisionId: UNKNOWN, verdict: "ok" }),
      JSON.stringify({ query: "a query nobody ever routed", verdict: "ok" }),
      JSON.stringify({ decisionId: a.decisionId, verdict: "overkill", correctTier: "premium", source: "other" }), // contradicts itself
      JSON.stringify({ decisionId: a.decisionId, verdict: "too_weak", source: "batch" }), // conflicts with line 1
    ];
    const res = await call(service.app, "POST", "/feedback/import", { token: FEEDBACK, body: lines.join("\n"), contentType: "application/x-ndjson" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ lines: 8, created: 3, unchanged: 1 });
    expect(res.body.notFound.map((x: any) => x.line)).toEqual([6, 7]);
    expect(res.body.invalid).toEqual([{ line: 8, decisionId: a.decisionId, message: expect.stringMatching(/cheaper/) }]);
    expect(res.body.conflicts).toEqual([{ line: 9, decisionId: a.decisionId, message: expect.any(String) }]);
    const byText = await call(service.app, "GET", "/review?limit=200", { token: ADMIN });
    const texts = byText.body.groups.flatMap((g: any) => g.items.map((i: any) => i.text));
    expect(texts).toContain("Write a Python function that reverses a linked list"); // text sent with the line

    const bad = await call(service.app, "POST", "/feedback/import", { token: FEEDBACK, body: `${lines[0]}\n{"decisionId": 1}\n`, contentType: "application/x-ndjson" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "invalid_jsonl", message: expect.stringMatching(/^line 2:/) });
    const json = await call(service.app, "POST", "/feedback/import", { token: FEEDBACK, json: { verdict: "ok" } });
    expect(json.status).toBe(415);
  });

  it("GET /stats/feedback gives misroute rates per tier, reason and day; /metrics counts reports", async () => {
    const res = await call(service.app, "GET", "/stats/feedback", { token: ANALYST });
    expect(res.status).toBe(200);
    const b = res.body;
    expect(b.feedback).toBe(b.tooWeak + b.ok + b.overkill);
    expect(b.misrouteRate).toBeCloseTo((b.tooWeak + b.overkill) / b.feedback, 10);
    const tierTotal = Object.values(b.byTier as Record<string, any>).reduce((n, t) => n + t.feedback, 0);
    expect(tierTotal).toBe(b.feedback);
    expect(b.byReason.knn.feedback).toBeGreaterThan(0);
    expect(b.days).toHaveLength(1);
    expect(b.days[0].feedback).toBe(b.feedback);
    expect(b.meanScore).toBeCloseTo((0.25 + 1) / 2, 10);
    const text = (await call(service.app, "GET", "/metrics")).body as string;
    expect(metric(text, "tierline_feedback_total")).toBe(b.feedback);
    expect(metric(text, "tierline_feedback_total", { verdict: "too_weak" })).toBe(b.tooWeak);
    expect((await call(service.app, "GET", "/stats/feedback?from=2030-01-01&to=2029-01-01", { token: ANALYST })).status).toBe(400);
  });
});
