import { describe, expect, it } from "vitest";
import { compileRules, type RequestFacts } from "../../src/base/policy/rule-set.js";
import { compileSafeRegex, UnsafePatternError } from "../../src/base/policy/safe-regex.js";

const tiers = ["fast", "standard", "premium"];
const facts = (text: string): RequestFacts => ({ text, tokens: 10, messages: 1, hasCode: false, hasAttachments: false, hasTools: false, tags: [] });

/** Issue 20's patterns: each was accepted by the nested-quantifier heuristic and backtracked exponentially. */
const issuePatterns = ["^(a|a)*$", "^((a+))+$", "^(\\w|\\d)+$", "^(a+){12}$", "^(.*a){10}$", "^a*a*a*a*a*a*b"];

describe("rule patterns on the linear-time engine", () => {
  it("accepts the issue's patterns and matches them as JavaScript would, on text that makes a backtracking engine explode", () => {
    // 40 a's then "!": 2^40 paths for ^(a|a)*$ on a backtracking engine (this test would not finish); RE2 answers at once.
    const hostile = `${"a".repeat(40)}!`;
    const [either, nested, wordOrDigit, counted, dotStar, chain] = issuePatterns.map((p) => compileSafeRegex(p, "i"));
    expect(either!.test(hostile)).toBe(false);
    expect(either!.test("aaaa")).toBe(true);
    expect(nested!.test(hostile)).toBe(false);
    expect(nested!.test("aaa")).toBe(true);
    expect(wordOrDigit!.test(hostile)).toBe(false);
    expect(wordOrDigit!.test("abc123")).toBe(true);
    expect(counted!.test(hostile)).toBe(false);
    expect(counted!.test("a".repeat(12))).toBe(true);
    expect(dotStar!.test(`${"ba".repeat(20)}!`)).toBe(false);
    expect(dotStar!.test("ba".repeat(10))).toBe(true);
    expect(chain!.test(hostile)).toBe(false);
    expect(chain!.test("aaab")).toBe(true);
  });

  it("keeps the flags' meaning: case-insensitive by default in rules, multi-line, dot-all, Unicode classes", () => {
    expect(compileSafeRegex("^hello", "i").test("HELLO there")).toBe(true);
    expect(compileSafeRegex("^hello", "").test("HELLO there")).toBe(false);
    expect(compileSafeRegex("^second$", "m").test("first\nsecond\nthird")).toBe(true);
    expect(compileSafeRegex("a.b", "").test("a\nb")).toBe(false);
    expect(compileSafeRegex("a.b", "s").test("a\nb")).toBe(true);
    expect(compileSafeRegex("^\\p{L}+$", "u").test("héllo")).toBe(true);
    expect(compileSafeRegex("^(hi|hello|thanks)\\b", "i").test("Thanks a lot")).toBe(true);
  });

  it("refuses what cannot run in linear time, naming the construct", () => {
    for (const p of ["(?=a)b", "(?<=a)b", "(?<!a)b", "(a)\\1"]) expect(() => compileSafeRegex(p, "i"), p).toThrow(/lookahead, lookbehind or a backreference/);
    expect(() => compileSafeRegex("(", "i")).toThrow(/not a valid regular expression/);
  });

  it("refuses patterns whose program is too large to match in bounded time, and keeps ordinary ones", () => {
    for (const p of ["[\\s\\S]{1000}x", "^(a|aa|aaa|aaaa|aaaaa){1000}$", "\\p{L}{50}x"]) expect(() => compileSafeRegex(p, "iu"), p).toThrow(UnsafePatternError);
    for (const p of [...issuePatterns, "\\b(contract|indemnity|liability|warranty|agreement|clause)s?\\b", "\\d{3}-\\d{4}", ".{30}x.{30}y"])
      expect(() => compileSafeRegex(p, "iu"), p).not.toThrow();
  });

  it("uses the engine in rules, so a rule set holding every issue pattern compiles and a hostile query matches none", () => {
    expect(() => compileRules([{ name: "big", match: { regex: "[\\s\\S]{1000}x" }, action: { tier: "fast" } }], tiers)).toThrow(/rules\[0\] "big": the pattern is too large/);
    const rules = issuePatterns.map((regex, i) => ({ name: `r${i}`, match: { regex }, action: { tier: "fast" } }));
    const compiled = compileRules(rules, tiers);
    expect(compiled.filter((r) => r.test(facts(`${"a".repeat(40)}!`))).map((r) => r.rule.name)).toEqual([]);
  });
});
