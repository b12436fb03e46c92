import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/base/config/load-config.js";
import { addDays, dayOf, partitionName } from "../../src/adapters/db/partitions.js";
import { DecisionLogWriter } from "../../src/stores/decision-log/decision-log-writer.js";
import { FeedbackFileError, parseFeedbackJsonl } from "../../src/stores/feedback/feedback-jsonl.js";
import { misrouteRates } from "../../src/stores/feedback/reports/misroute-rates.js";
import { qualityOf, shadowReport } from "../../src/stores/feedback/reports/shadow-report.js";
import { leaderClusters } from "../../src/stores/feedback/reports/neighborhoods.js";
import { combineRanges, conservativeLabel, disagreement, inconsistency, judge, neededRange } from "../../src/stores/feedback/verdicts.js";
import type { Decision } from "../../src/routing/decision.js";
import { isFallback } from "../../src/routing/decision.js";
import { Router } from "../../src/routing/router.js";
import { ExemplarIndex, ExemplarIndexRef } from "../../src/adapters/vector-index/exemplar-index.js";
import { HnswIndex } from "../../src/adapters/vector-index/hnsw-index.js";
import { axis, createFakeEncoder } from "../helpers/fake-encoder.js";

const tiers = ["fast", "standard", "premium"];
const [FAST, STANDARD, PREMIUM] = [0, 1, 2];

describe("what a verdict says about the tier a query needed", () => {
  it("maps verdicts on each served tier to a range of needed tiers", () => {
    expect(neededRange(FAST, { verdict: "too_weak" }, 3)).toEqual({ lo: STANDARD, hi: PREMIUM });
    expect(neededRange(STANDARD, { verdict: "too_weak" }, 3)).toEqual({ lo: PREMIUM, hi: PREMIUM });
    expect(neededRange(PREMIUM, { verdict: "too_weak" }, 3)).toEqual({ lo: PREMIUM, hi: PREMIUM }); // nothing above premium
    expect(neededRange(FAST, { verdict: "ok" }, 3)).toEqual({ lo: FAST, hi: FAST });
    expect(neededRange(PREMIUM, { verdict: "ok" }, 3)).toEqual({ lo: FAST, hi: PREMIUM }); // ok on premium says little
    expect(neededRange(PREMIUM, { verdict: "overkill" }, 3)).toEqual({ lo: FAST, hi: STANDARD });
    expect(neededRange(FAST, { verdict: "overkill" }, 3)).toEqual({ lo: FAST, hi: FAST });
    expect(neededRange(PREMIUM, { verdict: "overkill", correctRank: FAST }, 3)).toEqual({ lo: FAST, hi: FAST });
  });

  it("refuses a correct tier that contradicts the verdict", () => {
    expect(inconsistency(STANDARD, "too_weak", PREMIUM)).toBeNull();
    expect(inconsistency(STANDARD, "too_weak", FAST)).toMatch(/more capable/);
    expect(inconsistency(STANDARD, "overkill", PREMIUM)).toMatch(/cheaper/);
    expect(inconsistency(STANDARD, "ok", STANDARD)).toBeNull();
    expect(inconsistency(STANDARD, "ok", FAST)).toMatch(/ok means/);
    expect(inconsistency(STANDARD, "ok", null)).toBeNull();
  });

  it("judges a routed tier against the range: served, failed, or not known", () => {
    expect(judge(PREMIUM, { lo: FAST, hi: PREMIUM })).toBe("served");
    expect(judge(FAST, { lo: FAST, hi: PREMIUM })).toBe("unknown");
    expect(judge(FAST, { lo: STANDARD, hi: PREMIUM })).toBe("failed");
    expect(judge(STANDARD, { lo: FAST, hi: STANDARD })).toBe("served");
    expect(conservativeLabel({ lo: FAST, hi: STANDARD })).toBe(STANDARD);
  });

  it("disagrees with routing only when the routed tier is outside the range, suggesting its nearest end", () => {
    expect(disagreement(FAST, { lo: STANDARD, hi: PREMIUM })).toBe(STANDARD);
    expect(disagreement(PREMIUM, { lo: FAST, hi: STANDARD })).toBe(STANDARD);
    expect(disagreement(FAST, { lo: FAST, hi: STANDARD })).toBeNull(); // shadow: would-be fast, overkill on premium agrees
    expect(disagreement(STANDARD, { lo: STANDARD, hi: STANDARD })).toBeNull();
  });

  it("combines several sources into the most demanding reading", () => {
    expect(
      combineRanges([
        { lo: FAST, hi: STANDARD },
        { lo: STANDARD, hi: PREMIUM },
      ]),
    ).toEqual({ lo: STANDARD, hi: PREMIUM });
    expect(
      combineRanges([
        { lo: PREMIUM, hi: PREMIUM },
        { lo: FAST, hi: FAST },
      ]),
    ).toEqual({ lo: PREMIUM, hi: PREMIUM });
  });
});

describe("shadow mode in the router", () => {
  const D = 8;
  const config = parseConfig({});
  async function router(shadow?: { enabled: boolean; tier: string }) {
    const encoder = createFakeEncoder({ dimensions: D, vectors: { "fast one": axis(D, 0), "clearly fast": axis(D, 0, 1, 0.1) } });
    const index = new ExemplarIndex(new HnswIndex(D, { M: 16, efConstruction: 100, ef: 100 }), 1);
    index.put({ id: 1, tier: "fast", text: "fast one" }, (await encoder.embed(["fast one"]))[0]!);
    const ref = new ExemplarIndexRef();
    ref.set(index);
    const seen: Array<{ decision: Decision; wouldBe?: string; nearest?: number }> = [];
    const r = new Router({
      encoder,
      index: ref,
      cache: null,
      options: { k: 1, margin: 0.2, minSimilarity: 0.3, fallbackTier: "premium", tiers: config.tiers, shadow },
      onDecision: [
        (decision, _request, facts) => {
          seen.push({ decision, wouldBe: facts.wouldBe?.tier, nearest: facts.nearest });
        },
      ],
    });
    return { r, seen };
  }

  it("answers the shadow tier with reason shadow and shadowOf, and tells observers the routed verdict", async () => {
    const { r, seen } = await router({ enabled: true, tier: "premium" });
    const d = await r.route({ query: "clearly fast" });
    expect(d).toMatchObject({ tier: "premium", model: config.tiers[2]!.model, reason: "shadow", shadowOf: "fast" });
    expect(seen[0]).toMatchObject({ wouldBe: "fast" });
    expect(seen[0]!.nearest).toBeGreaterThan(0.9);
    expect(await r.route({ query: "clearly fast", shadow: false })).toMatchObject({ tier: "fast", reason: "knn" });
    expect(isFallback("shadow")).toBe(false);
  });

  it("routes a query that is itself an exemplar to that exemplar's tier (reason exemplar), whatever its neighbors vote", async () => {
    const encoder = createFakeEncoder({ dimensions: D, vectors: { "fast one": axis(D, 0), "hard one": axis(D, 0, 1, 0.05), "premium twin": axis(D, 0, 1, 0.06) } });
    const index = new ExemplarIndex(new HnswIndex(D, { M: 16, efConstruction: 100, ef: 100 }), 1);
    const put = async (id: number, text: string, tier: string) => index.put({ id, tier, text }, (await encoder.embed([text]))[0]!);
    await put(1, "fast one", "fast");
    await put(2, "premium twin", "premium");
    await put(3, "hard one", "standard");
    const ref = new ExemplarIndexRef();
    ref.set(index);
    const r = new Router({ encoder, index: ref, cache: null, options: { k: 3, margin: 0.2, minSimilarity: 0.3, fallbackTier: "premium", tiers: config.tiers } });
    expect(await r.route({ query: "  hard   one " })).toMatchObject({ tier: "standard", reason: "exemplar", confidence: 1 });
    expect((await r.route({ query: "hard one!" })).reason).not.toBe("exemplar"); // another text, however close
    expect(isFallback("exemplar")).toBe(false);
  });

  it("is off unless configured or asked for", async () => {
    const { r } = await router();
    expect((await r.route({ query: "clearly fast" })).shadowOf).toBeUndefined();
    expect(await r.route({ query: "clearly fast", shadow: true })).toMatchObject({ reason: "shadow", tier: "premium", shadowOf: "fast" });
  });
});

describe("decision log writer", () => {
  const decision = (id: string): Decision => ({
    decisionId: id,
    tier: "fast",
    model: "m",
    profile: "default",
    confidence: 1,
    margin: 1,
    reason: "knn",
    revision: 1,
    cached: false,
    truncated: false,
    estimatedInputTokens: 1,
    estimatedCost: { chosen: 0, mostCapable: 0 },
    timings: { embedMs: 0, searchMs: 0, totalMs: 0 },
  });

  it("counts every decision lost to a full buffer or an unwritable shutdown, exactly", async () => {
    const writer = new DecisionLogWriter(async () => Promise.reject(new Error("database away")), { maxKeys: 3, flushIntervalMs: 60_000, storeText: false });
    for (let i = 0; i < 5; i++) writer.record(decision(`d${i}`), { query: "q" }, { text: "q" });
    expect(writer.dropped).toBe(2);
    await writer.flush();
    expect(writer.failedFlushes).toBe(1);
    expect(writer.pendingCount).toBe(3);
    expect(writer.peek("d4")).toMatchObject({ decisionId: "d4", queryText: null, caller: "anonymous" });
    await writer.stop(100);
    expect(writer.dropped).toBe(5);
    expect(writer.recorded).toBe(5);
  });

  it("keeps the text only when told to, and writes each decision once", async () => {
    const written: string[] = [];
    const writer = new DecisionLogWriter(async (rows) => void written.push(...rows.map((r) => `${r.decisionId}:${r.queryText}`)), {
      maxKeys: 10,
      flushIntervalMs: 60_000,
      storeText: true,
    });
    writer.record(decision("a"), { query: "hello", tags: ["x"], sessionId: "s" }, { text: "hello", nearest: 0.5 });
    expect(writer.peek("a")).toMatchObject({ tags: ["x"], sessionId: "s", nearestSimilarity: 0.5 });
    await writer.flush();
    await writer.flush();
    expect(written).toEqual(["a:hello"]);
  });
});

describe("decision log partitions", () => {
  it("names one partition per UTC day", () => {
    const at = new Date("2026-03-01T23:59:59.999Z");
    expect(dayOf(at).toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect(partitionName(dayOf(at))).toBe("decision_log_p20260301");
    expect(partitionName(addDays(dayOf(at), 1))).toBe("decision_log_p20260302");
  });
});

describe("feedback reports", () => {
  it("misroute rates add up per tier, reason and day", () => {
    const g = (day: string, tier: string, verdict: string, n: number, scored = 0, scoreSum = 0) => ({ day, tier, reason: "knn", verdict, n, scored, scoreSum });
    const r = misrouteRates([g("2026-01-01", "fast", "too_weak", 2, 2, 0.4), g("2026-01-01", "fast", "ok", 6), g("2026-01-02", "premium", "overkill", 2, 1, 1)]);
    expect(r).toMatchObject({ feedback: 10, tooWeak: 2, overkill: 2, tooWeakRate: 0.2, overkillRate: 0.2, misrouteRate: 0.4 });
    expect(r.meanScore).toBeCloseTo(1.4 / 3, 10);
    expect(r.byTier.fast).toMatchObject({ feedback: 8, tooWeakRate: 0.25 });
    expect(r.days.map((d) => [d.day, d.feedback])).toEqual([
      ["2026-01-01", 8],
      ["2026-01-02", 2],
    ]);
  });

  it("shadow quality counts unknowns apart, with a Clopper–Pearson interval", () => {
    const q = qualityOf(
      [
        { routed: "fast", needed: { lo: FAST, hi: FAST } },
        { routed: "fast", needed: { lo: FAST, hi: PREMIUM } },
        { routed: "fast", needed: { lo: PREMIUM, hi: PREMIUM } },
        { routed: "premium", needed: { lo: FAST, hi: PREMIUM } },
      ],
      tiers,
    )!;
    expect(q).toMatchObject({ n: 4, served: 2, failed: 1, unknown: 1, rate: 0.5, optimistic: 0.75 });
    expect(q.interval[0]).toBeCloseTo(0.0676, 3); // exact binomial interval of 2/4
    expect(q.interval[1]).toBeCloseTo(0.9324, 3);
  });

  it("prices the would-be tiers against the shadow tier", () => {
    const priced = parseConfig({}).tiers;
    const report = shadowReport(
      [
        { wouldBe: "fast", tags: ["a"], n: 3 },
        { wouldBe: "premium", tags: null, n: 1 },
      ],
      [],
      priced,
      "premium",
    );
    expect(report.shadow.decisions).toBe(4);
    expect(report.shadow.relativeCost).toBeCloseTo((3 * 0.02 + 1) / 4, 10);
    expect(report.shadow.byTier.fast!.relativeCost).toBeCloseTo(0.02, 10);
    expect(report.shadow.byTag.a).toMatchObject({ decisions: 3, share: 0.75 });
    expect(report.shadow.costInterval[0]).toBeLessThan(report.shadow.relativeCost);
  });

  it("clusters near vectors under one leader", () => {
    const v = (...xs: number[]) => Float32Array.from(xs);
    expect(leaderClusters([v(1, 0), v(0.99, 0.141), v(0, 1), v(0.1, 0.995)], 0.9)).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });
});

describe("feedback JSONL", () => {
  it("reads a decision id or a query per line, and names the bad line", () => {
    const rows = parseFeedbackJsonl(
      ['{"decisionId":"5b0c4a3e-9d1f-4c55-8a77-0d0f6b7e2a11","verdict":"ok"}', "", '{"query":"hi","verdict":"overkill","correctTier":"fast","score":0.5}'].join("\n"),
      tiers,
    );
    expect(rows.map((r) => r.line)).toEqual([1, 3]);
    expect(() => parseFeedbackJsonl('{"verdict":"ok"}', tiers)).toThrow(/line 1: .*decisionId or query/);
    expect(() => parseFeedbackJsonl('{"query":"x","verdict":"ok","correctTier":"gold"}', tiers)).toThrow(FeedbackFileError);
    expect(() => parseFeedbackJsonl("{not json", tiers)).toThrow(/line 1: not valid JSON/);
    expect(() => parseFeedbackJsonl('{"query":"x","verdict":"ok","extra":1}', tiers)).toThrow(/line 1/);
  });
});

describe("CSV for COPY", () => {
  it("quotes every value, leaves NULL unquoted, writes arrays as PostgreSQL literals", async () => {
    const { toCsv } = await import("../../src/adapters/db/csv.js");
    const rows = [{ a: 'say "hi", then\nleave', b: null, c: ["x", 'y"z', "w\\v"], d: new Date("2026-01-02T03:04:05.000Z"), e: "", f: 0.5, g: true }];
    expect(toCsv(rows, ["a", "b", "c", "d", "e", "f", "g"])).toBe('"say ""hi"", then\nleave",,"{""x"",""y\\""z"",""w\\\\v""}","2026-01-02T03:04:05.000Z","","0.5","true"\n');
  });
});
