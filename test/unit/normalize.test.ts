import { describe, expect, it } from "vitest";
import { boundedTextHash, normalizeBounded, normalizeQuery, textHash } from "../../src/base/text/normalize.js";
import type { DecisionContext, DecisionStep } from "../../src/routing/pipeline.js";
import { EmptyQueryError, normalizeStep } from "../../src/routing/steps/normalize-query.js";

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

describe("the normalize step", () => {
  const contextFor = (query: string): DecisionContext =>
    ({
      request: { query },
      decisionId: "d",
      startedAt: 0,
      text: "",
      truncated: false,
      index: null,
      revision: 0,
      cached: false,
      embedMs: 0,
      searchMs: 0,
      inputTokens: 0,
      matchedRules: [],
    }) as DecisionContext;
  const run = (step: DecisionStep, query: string) => {
    const ctx = contextFor(query);
    void step.run(ctx);
    return { text: ctx.text, truncated: ctx.truncated, textHash: ctx.textHash };
  };

  it("gives a repeated query the same canonical text and hash as its first sight, and as the hash function", () => {
    const step = normalizeStep(() => 20);
    for (const query of ["  Ｈｅｌｌｏ   world ", "a question that is longer than twenty characters", "x".repeat(600)]) {
      const first = run(step, query);
      const expected = normalizeBounded(query, 20);
      expect(first).toEqual({ ...expected, textHash: boundedTextHash(expected) });
      expect(run(step, query)).toEqual(first);
    }
  });

  it("normalises again when the model's input bound changes", () => {
    let max = 40;
    const step = normalizeStep(() => max);
    const query = "What is the capital of France? Tell me in one word.";
    expect(run(step, query).text).toBe(query.slice(0, 40));
    max = 10;
    const cut = run(step, query);
    expect(cut).toEqual({ text: "What is th", truncated: true, textHash: textHash("What is th") });
  });

  it("refuses an empty query every time, remembered or not", () => {
    const step = normalizeStep(() => 100);
    expect(() => run(step, " \n ")).toThrow(EmptyQueryError);
    expect(() => run(step, " \n ")).toThrow(EmptyQueryError);
  });
});
