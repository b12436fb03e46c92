import { describe, expect, it } from "vitest";
import { informativeness, pickLabelRequests, type LabelCandidate } from "../../src/stores/feedback/label-requests.js";
import { readRealRows, shippedLevelMap } from "../../eval/lib/real-data.js";

const at = new Date("2026-12-01T00:00:00Z");
const candidate = (over: Partial<LabelCandidate>): LabelCandidate => ({
  decisionId: over.decisionId ?? "d",
  at,
  tier: "standard",
  reason: "second_stage",
  confidence: 0.9,
  routed: over.routed ?? over.tier ?? "standard",
  nearestSimilarity: 0.7,
  textHash: null,
  queryText: null,
  ...over,
});

describe("which decisions are worth a label", () => {
  it("scores doubt, distance from every exemplar and giving up; a sure decision among exemplars scores low", () => {
    expect(informativeness(candidate({ confidence: 0.95, nearestSimilarity: 0.8 })).score).toBeCloseTo(0.05, 6);
    const doubt = informativeness(candidate({ confidence: 0.3 }));
    expect(doubt.score).toBeCloseTo(0.7, 6);
    expect(doubt.why[0]).toMatch(/gave its tier 0\.30/);
    const far = informativeness(candidate({ nearestSimilarity: 0.35 }));
    expect(far.score).toBe(1);
    expect(far.why[0]).toMatch(/far from every exemplar/);
    expect(informativeness(candidate({ reason: "out_of_distribution", confidence: 0.9 })).score).toBe(0.75);
  });

  it("spreads the picks across the tiers routing chose, most informative first, one per text", () => {
    const cands = [
      candidate({ decisionId: "p1", tier: "premium", confidence: 0.1, textHash: "a" }),
      candidate({ decisionId: "p2", tier: "premium", confidence: 0.2, textHash: "a" }),
      candidate({ decisionId: "p3", tier: "premium", confidence: 0.3, textHash: "b" }),
      candidate({ decisionId: "s1", tier: "standard", confidence: 0.8, textHash: "c" }),
      candidate({ decisionId: "f1", tier: "fast", confidence: 0.9, textHash: "d" }),
      // Shadow answers count by the tier routing chose.
      candidate({ decisionId: "sh", tier: "premium", reason: "shadow", routed: "fast", confidence: 0.4, textHash: "e" }),
    ];
    expect(pickLabelRequests(cands, ["fast", "standard", "premium"], 4).map((r) => r.decisionId)).toEqual(["sh", "s1", "p1", "f1"]);
    expect(pickLabelRequests(cands, ["fast", "standard", "premium"], 50).map((r) => r.decisionId)).toEqual(["sh", "s1", "p1", "f1", "p3"]);
  });
});

describe("the shipped labelled data under renamed tiers", () => {
  it("maps the shipped levels by position (two tiers: erring up), and is not needed for the shipped names", () => {
    expect(shippedLevelMap(["fast", "standard", "premium"])).toBeNull();
    expect(Object.fromEntries(shippedLevelMap(["small", "medium", "large"])!)).toEqual({ fast: "small", standard: "medium", premium: "large" });
    expect(Object.fromEntries(shippedLevelMap(["cheap", "best"])!)).toEqual({ fast: "cheap", standard: "best", premium: "best" });
    const rows = readRealRows("test/data/outcomes", ["small", "medium", "large"]);
    expect(new Set(rows.map((r) => r.tier))).toEqual(new Set(["small", "medium", "large"]));
    expect(rows.length).toBeGreaterThan(3000);
  });
});
