import { describe, expect, it } from "vitest";
import { voteOnNeighbors, type VoteOptions } from "../../src/routing/vote.js";

const options: VoteOptions = { tiers: ["fast", "standard", "premium"], fallbackTier: "premium", margin: 0.2, minSimilarity: 0.3 };
const n = (tier: string, similarity: number) => ({ tier, similarity });

describe("voteOnNeighbors", () => {
  it("weights each neighbor by its similarity", () => {
    const out = voteOnNeighbors([n("fast", 0.9), n("fast", 0.6), n("standard", 0.5)], options);
    expect(out.tier).toBe("fast");
    expect(out.reason).toBe("knn");
    expect(out.confidence).toBeCloseTo(1.5 / 2.0, 10);
    expect(out.margin).toBeCloseTo((1.5 - 0.5) / 2.0, 10);
    expect(out.votes).toEqual({ fast: 0.75, standard: 0.25, premium: 0 });
  });

  it("similarity, not count, decides: one close neighbor outvotes two distant ones", () => {
    const out = voteOnNeighbors([n("standard", 0.95), n("fast", 0.4), n("fast", 0.35)], { ...options, margin: 0 });
    expect(out.tier).toBe("standard");
  });

  it("falls back to premium when the margin is below the threshold", () => {
    const out = voteOnNeighbors([n("fast", 0.8), n("standard", 0.7)], options);
    expect(out.margin).toBeCloseTo(0.1 / 1.5, 10);
    expect(out.tier).toBe("premium");
    expect(out.reason).toBe("low_margin_fallback");
    expect(out.votedTier).toBe("fast");
  });

  it("keeps the vote when the margin equals the threshold exactly", () => {
    const out = voteOnNeighbors([n("fast", 0.6), n("standard", 0.4)], options);
    expect(out.margin).toBeCloseTo(0.2, 10);
    expect(out.tier).toBe("fast");
  });

  it("sends the query to premium when even the nearest exemplar is far", () => {
    const out = voteOnNeighbors([n("fast", 0.25), n("fast", 0.2)], options);
    expect(out.tier).toBe("premium");
    expect(out.reason).toBe("no_close_exemplar");
    // Confidence is about the tier answered: nothing voted premium.
    expect(out.confidence).toBe(0);
  });

  it("reports an ordinary vote when the vote already chose the fallback tier", () => {
    const out = voteOnNeighbors([n("premium", 0.5), n("standard", 0.45)], options);
    expect(out.tier).toBe("premium");
    expect(out.reason).toBe("knn");
  });

  it("breaks exact ties towards the more capable tier", () => {
    const out = voteOnNeighbors([n("fast", 0.5), n("standard", 0.5)], { ...options, margin: 0 });
    expect(out.tier).toBe("standard");
  });

  it("gives negative similarities no weight", () => {
    const out = voteOnNeighbors([n("fast", 0.5), n("standard", -0.9)], options);
    expect(out.tier).toBe("fast");
    expect(out.confidence).toBe(1);
  });

  it("returns empty_index with no neighbors and no_close_exemplar when all point away", () => {
    expect(voteOnNeighbors([], options)).toMatchObject({ tier: "premium", reason: "empty_index", votedTier: null });
    expect(voteOnNeighbors([n("fast", -0.2)], options)).toMatchObject({ tier: "premium", reason: "no_close_exemplar" });
  });

  it("ignores neighbors of tiers that are no longer configured", () => {
    const out = voteOnNeighbors([n("legacy", 0.99), n("fast", 0.7)], options);
    expect(out.tier).toBe("fast");
    expect(Object.keys(out.votes)).toEqual(["fast", "standard", "premium"]);
  });

  it("honours a configured fallback tier other than the last", () => {
    const out = voteOnNeighbors([n("fast", 0.5), n("premium", 0.45)], { ...options, fallbackTier: "standard" });
    expect(out).toMatchObject({ tier: "standard", reason: "low_margin_fallback" });
  });
});

describe("voteOnNeighbors: tiers are ordered", () => {
  it("picks the cheapest tier most of the vote says is enough, not the plurality", () => {
    // Plurality: fast 0.4 against premium 0.35, a near tie. Ordered: 65% say standard or cheaper suffices.
    const out = voteOnNeighbors([n("fast", 0.8), n("premium", 0.7), n("standard", 0.5)], { ...options, margin: 0.25 });
    expect(out.votedTier).toBe("standard");
    expect(out.tier).toBe("standard");
    expect(out.confidence).toBeCloseTo(0.5 / 2.0, 10);
    expect(out.margin).toBeCloseTo((1.3 - 0.7) / 2.0, 10);
  });

  it("falls back when the majority for a cheaper tier is too thin", () => {
    const out = voteOnNeighbors([n("fast", 0.8), n("premium", 0.7), n("standard", 0.5)], { ...options, margin: 0.35 });
    expect(out).toMatchObject({ tier: "premium", reason: "low_margin_fallback", votedTier: "standard" });
  });

  it("measures a top-tier vote by its lead over the cheaper tiers", () => {
    const out = voteOnNeighbors([n("premium", 0.6), n("fast", 0.3), n("standard", 0.1)], options);
    expect(out).toMatchObject({ tier: "premium", reason: "knn" });
    expect(out.margin).toBeCloseTo(0.2, 10);
  });
});
