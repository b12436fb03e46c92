import { describe, expect, it } from "vitest";
import { boundedTextHash, normalizeBounded, normalizeQuery, textHash } from "../../src/base/text/normalize.js";

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

  it("hashes what it returned as textHash does, whole or cut (a cut may end in a space that textHash trims)", () => {
    const texts = ["  Ｈｅｌｌｏ   world ", "e\u0301te\u0301", "a b ".repeat(20), "x".repeat(9) + " y", "ﬁne print"];
    for (const raw of texts)
      for (const max of [4, 9, 10, 2048]) {
        const bounded = normalizeBounded(raw, max);
        expect(boundedTextHash(bounded), `${JSON.stringify(raw)} cut at ${max}`).toBe(textHash(bounded.text));
      }
    // One of them is cut right after a space: the whole-text shortcut would hash "a b " with its space.
    expect(normalizeBounded("a b ".repeat(20), 4)).toEqual({ text: "a b ", truncated: true });
  });
});
