import { describe, expect, it } from "vitest";
import { cascadeLadder } from "../../src/gateway/cascade.js";

describe("cascade ladder", () => {
  const tiers = ["fast", "standard", "premium"];
  const band = { minMargin: 0.05, maxMargin: 0.17 };
  it("tries the tier below a low-margin fallback first, or the voted tier then the next one up", () => {
    expect(cascadeLadder({ tier: "premium", reason: "low_margin_fallback", margin: 0.1 }, tiers, band)).toEqual({ first: "standard", then: "premium" });
    expect(cascadeLadder({ tier: "fast", reason: "knn", margin: 0.1 }, tiers, band)).toEqual({ first: "fast", then: "standard" });
  });
  it("leaves alone what is outside the band, the top tier, and decisions nothing voted on", () => {
    expect(cascadeLadder({ tier: "premium", reason: "low_margin_fallback", margin: 0.17 }, tiers, band)).toBeNull();
    expect(cascadeLadder({ tier: "premium", reason: "low_margin_fallback", margin: 0.01 }, tiers, band)).toBeNull();
    expect(cascadeLadder({ tier: "premium", reason: "knn", margin: 0.1 }, tiers, band)).toBeNull();
    expect(cascadeLadder({ tier: "premium", reason: "no_close_exemplar", margin: 0.1 }, tiers, band)).toBeNull();
    expect(cascadeLadder({ tier: "fast", reason: "llm_rated", margin: 0.1 }, tiers, band)).toBeNull();
  });
});
