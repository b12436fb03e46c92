import { describe, expect, it } from "vitest";
import { textHash } from "../../src/base/text/normalize.js";
import { ExemplarFileError, parseExemplarJsonl, readExemplarDir } from "../../src/stores/exemplars/exemplar-files.js";

const tiers = ["fast", "standard", "premium"];

describe("parseExemplarJsonl", () => {
  it("parses lines and skips blank ones", () => {
    const out = parseExemplarJsonl('{"text":"a","tier":"fast"}\n\n{"text":"b","tier":"premium","note":"n"}\n', "f", tiers);
    expect(out).toEqual([
      { text: "a", tier: "fast" },
      { text: "b", tier: "premium", note: "n" },
    ]);
  });

  it("names the file and line of a bad line", () => {
    expect(() => parseExemplarJsonl('{"text":"a","tier":"fast"}\n{oops', "x.jsonl", tiers)).toThrow(/x\.jsonl:2: not valid JSON/);
    expect(() => parseExemplarJsonl('{"text":"  ","tier":"fast"}', "x.jsonl", tiers)).toThrow(/x\.jsonl:1: text/);
    expect(() => parseExemplarJsonl('{"text":"a","tier":"gold"}', "x.jsonl", tiers)).toThrow(ExemplarFileError);
  });
});

describe("shipped exemplars", () => {
  const shipped = readExemplarDir("exemplars", tiers);

  it("has at least 150 per tier", () => {
    for (const tier of tiers) expect(shipped.filter((e) => e.tier === tier).length).toBeGreaterThanOrEqual(150);
  });

  it("has no duplicate texts", () => {
    expect(new Set(shipped.map((e) => textHash(e.text))).size).toBe(shipped.length);
  });

  it("does not let length predict the tier: short premium and long fast queries exist", () => {
    const words = (t: string) => t.split(/\s+/).length;
    expect(shipped.filter((e) => e.tier === "premium" && words(e.text) <= 12).length).toBeGreaterThanOrEqual(15);
    expect(shipped.filter((e) => e.tier === "fast" && words(e.text) >= 35).length).toBeGreaterThanOrEqual(10);
  });
});
