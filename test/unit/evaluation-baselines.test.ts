import { describe, expect, it } from "vitest";
import { evaluateBaselines } from "../../eval/lib/baselines.js";
import { fitForAccuracy, fitForQuality, lengthCandidates, routeByLength, wordCount } from "../../eval/lib/length-baseline.js";
import { apportion, routeAtRandomMix, tierMix } from "../../eval/lib/random-baseline.js";

const tiers = [
  { name: "fast", pricePer1MTokens: 0.2 },
  { name: "standard", pricePer1MTokens: 1 },
  { name: "premium", pricePer1MTokens: 10 },
];
const names = tiers.map((t) => t.name);
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ");
/** Length predicts the tier exactly: fast 2–4 words, standard 8–10, premium 15–20. */
const separable = [
  ...[2, 3, 4].map((n) => ({ text: words(n), tier: "fast" })),
  ...[8, 9, 10].map((n) => ({ text: words(n), tier: "standard" })),
  ...[15, 20].map((n) => ({ text: words(n), tier: "premium" })),
];

describe("length baseline", () => {
  it("counts whitespace-separated words and routes below each cut to the cheaper tier", () => {
    expect(wordCount("  two\n words ")).toBe(2);
    const cuts = { cuts: [5, 12] };
    expect([words(4), words(5), words(11), words(12)].map((t) => routeByLength(t, cuts, names))).toEqual(["fast", "standard", "standard", "premium"]);
  });

  it("fits cuts that separate the tiers when length does", () => {
    const fit = fitForAccuracy(lengthCandidates(separable, tiers));
    expect(fit.train.accuracy).toBe(1);
    expect(separable.map((e) => routeByLength(e.text, fit.thresholds, names))).toEqual(separable.map((e) => e.tier));
  });

  it("fits the cheapest cuts that reach a target quality on the training data", () => {
    const noisy = [...separable, { text: words(3), tier: "premium" }]; // a short hard query
    const candidates = lengthCandidates(noisy, tiers);
    const fit = fitForQuality(candidates, 1)!;
    expect(fit.train.quality).toBe(1);
    // Serving the 3-word premium query forces every query of 3+ words to premium.
    expect(routeByLength(words(3), fit.thresholds, names)).toBe("premium");
    expect(routeByLength(words(2), fit.thresholds, names)).toBe("fast");
    const cheaper = fitForQuality(candidates, 0.8)!;
    expect(cheaper.train.relativeCost).toBeLessThan(fit.train.relativeCost);
    expect(cheaper.train.quality).toBeGreaterThanOrEqual(0.8);
  });
});

describe("random baseline", () => {
  it("splits whole counts by largest remainder", () => {
    expect(apportion(10, [0.25, 0.25, 0.5])).toEqual([3, 2, 5]);
    expect(apportion(7, [1 / 3, 1 / 3, 1 / 3]).reduce((a, b) => a + b, 0)).toBe(7);
  });

  it("routes each label group in the mix's proportions, so its cost is the mix's cost", () => {
    const labels = [...Array(10).fill("fast"), ...Array(10).fill("premium")] as string[];
    const routed = routeAtRandomMix(labels, { fast: 0.5, standard: 0, premium: 0.5 }, names);
    const premiumOfFast = routed.filter((r, i) => labels[i] === "fast" && r === "premium").length;
    const premiumOfPremium = routed.filter((r, i) => labels[i] === "premium" && r === "premium").length;
    expect([premiumOfFast, premiumOfPremium]).toEqual([5, 5]);
    expect(routed.includes("standard")).toBe(false);
  });

  it("measures the data's own tier mix", () => {
    expect(tierMix(["fast", "fast", "premium", "standard"], names)).toEqual({ fast: 0.5, standard: 0.25, premium: 0.25 });
  });
});

describe("evaluateBaselines", () => {
  it("scores every baseline on the test data, the length cuts fitted on the training data only", () => {
    const test = [
      { text: words(3), tier: "fast" },
      { text: words(9), tier: "standard" },
      { text: words(3), tier: "premium" },
    ];
    const results = evaluateBaselines({
      train: separable,
      test,
      tiers,
      fallbackTier: "premium",
      routerTraffic: { fast: 0, standard: 0, premium: 1 },
      targetQuality: 0.95,
    });
    const byName = new Map(results.map((r) => [r.name, r]));
    expect(byName.get("always premium")!.metrics).toMatchObject({ quality: 1, relativeCost: 1 });
    expect(byName.get("random, router's mix")!.routed).toEqual(["premium", "premium", "premium"]);
    // Fitted on separable training data, the short premium query of the test set is missed.
    expect(byName.get("length, fit for accuracy")!.routed).toEqual(["fast", "standard", "fast"]);
    expect(byName.get("length, fit for accuracy")!.metrics.quality).toBeCloseTo(2 / 3, 10);
  });
});
