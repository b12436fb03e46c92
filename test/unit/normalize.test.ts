import { describe, expect, it } from "vitest";
import { normalizeBounded, normalizeQuery } from "../../src/base/text/normalize.js";

describe("normalizeBounded", () => {
  it("equals the full normalisation cut to the limit for real text", () => {
    const text = "Ｆｕｌｌ-width   text\twith  spaces ".repeat(300);
    const { text: out, truncated } = normalizeBounded(text, 2048);
    expect(out).toBe(normalizeQuery(text).slice(0, 2048));
    expect(truncated).toBe(true);
    expect(normalizeBounded("  short  query ", 2048)).toEqual({ text: "short query", truncated: false });
  });

  it("caps combining-mark storms, so a hostile megabyte costs the same as a short query", () => {
    const storm = "a" + "\u0316\u0301".repeat(250_000);
    const { text, truncated } = normalizeBounded(storm, 2048);
    expect(truncated).toBe(true);
    expect(text.length).toBeLessThanOrEqual(31);
    // Stream-safe text format: at most 30 marks after a base character, even without the length cut.
    expect(normalizeQuery("a" + "\u0301".repeat(100)).length).toBeLessThanOrEqual(31);
  });

  it("routes a query padded with megabytes of leading blanks", () => {
    expect(normalizeBounded(" ".repeat(1_000_000) + "What is 2+2?", 2048)).toEqual({ text: "What is 2+2?", truncated: false });
  });
});
