import { describe, expect, it } from "vitest";
import { compileRules, InvalidRuleError, looksLikeCode, type RequestFacts, type Rule } from "../../src/base/policy/rule-set.js";
import { applyLimits, BudgetTooSmallError, type InvalidLimitError } from "../../src/routing/limits.js";
import { TierLadder } from "../../src/routing/tier-ladder.js";

const tiers = [
  { name: "fast", model: "m1", pricePer1MTokens: 0.2 },
  { name: "standard", model: "m2", pricePer1MTokens: 1 },
  { name: "premium", model: "m3", pricePer1MTokens: 10 },
];
const ladder = new TierLadder(tiers);
const names = ladder.names;
const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  text: "hello there",
  tokens: 3,
  messages: 1,
  hasCode: false,
  hasAttachments: false,
  hasTools: false,
  tags: [],
  ...over,
});
const rule = (match: Rule["match"], action: Rule["action"] = { tier: "fast" }, name = "r"): Rule => ({ name, match, action });
const matches = (r: Rule, f: RequestFacts) => compileRules([r], names)[0]!.test(f);

describe("rule matching", () => {
  it("matches each condition, and needs every condition given", () => {
    expect(matches(rule({ regex: "^hello" }), facts())).toBe(true);
    expect(matches(rule({ regex: "^HELLO", flags: "" }), facts())).toBe(false); // flags given: case matters
    expect(matches(rule({ keywords: ["refund", "there"] }), facts())).toBe(true);
    expect(matches(rule({ keywords: ["her"] }), facts())).toBe(false); // whole words only
    expect(matches(rule({ minTokens: 3, maxTokens: 3 }), facts())).toBe(true);
    expect(matches(rule({ maxTokens: 2 }), facts())).toBe(false);
    expect(matches(rule({ minMessages: 2 }), facts({ messages: 3 }))).toBe(true);
    expect(matches(rule({ maxMessages: 2 }), facts({ messages: 3 }))).toBe(false);
    expect(matches(rule({ hasCode: true }), facts({ hasCode: true }))).toBe(true);
    expect(matches(rule({ hasAttachments: true }), facts())).toBe(false);
    expect(matches(rule({ hasTools: false }), facts())).toBe(true);
    expect(matches(rule({ tag: "billing" }), facts({ tags: ["billing"] }))).toBe(true);
    expect(matches(rule({ regex: "hello", tag: "billing" }), facts())).toBe(false);
  });

  it("refuses bad rule sets with a message naming the rule", () => {
    const fail = (rules: Rule[]) => () => compileRules(rules, names);
    expect(fail([rule({ regex: "(" })])).toThrow(/rules\[0\] "r": not a valid regular expression/);
    expect(fail([rule({ regex: "(?<=a)b" })])).toThrow(/rules\[0\] "r": uses a construct the linear-time engine \(RE2\) does not run/);
    expect(fail([rule({ regex: "x" }, { tier: "gold" })])).toThrow(/"gold", which is not a configured tier/);
    expect(fail([rule({ regex: "x" }), rule({ regex: "y" })])).toThrow(/rules\[1\] "r": the name is used twice/);
    expect(fail([rule({ regex: "x" }, { tier: "fast" }, "ok")])).not.toThrow();
    expect(() => compileRules([rule({ regex: "x" }, { maxTier: "premium" })], names)).not.toThrow();
    expect(fail([rule({ regex: "x" })])).not.toThrow(InvalidRuleError);
  });

  it("sees code in fenced blocks, indented blocks and statement lines", () => {
    expect(looksLikeCode("fix this:\n```\nx = 1\n```")).toBe(true);
    expect(looksLikeCode("why does\n    return x\nfail")).toBe(true);
    expect(looksLikeCode("SELECT * FROM t WHERE a = 1")).toBe(true);
    expect(looksLikeCode("What is the capital of France?")).toBe(false);
  });
});

describe("request limits", () => {
  it("raises to minTier, caps at maxTier, and keeps to allowedTiers, naming the limit that moved the choice", () => {
    expect(applyLimits(ladder, "fast", { minTier: "standard" }, 100)).toEqual({ tier: "standard", constrainedBy: "minTier" });
    expect(applyLimits(ladder, "premium", { maxTier: "standard" }, 100)).toEqual({ tier: "standard", constrainedBy: "maxTier" });
    expect(applyLimits(ladder, "standard", { allowedTiers: ["fast", "premium"] }, 100)).toEqual({ tier: "premium", constrainedBy: "allowedTiers" });
    expect(applyLimits(ladder, "premium", { allowedTiers: ["fast", "standard"] }, 100)).toEqual({ tier: "standard", constrainedBy: "allowedTiers" });
    expect(applyLimits(ladder, "standard", { minTier: "fast", maxTier: "premium" }, 100)).toEqual({ tier: "standard", constrainedBy: undefined });
  });

  it("takes the best tier the budget allows, and refuses a budget that covers no allowed tier", () => {
    // 1,000 tokens: fast 0.0002, standard 0.001, premium 0.01
    expect(applyLimits(ladder, "premium", { budget: 0.005 }, 1000)).toEqual({ tier: "standard", constrainedBy: "budget" });
    expect(applyLimits(ladder, "premium", { budget: 0.01 }, 1000)).toEqual({ tier: "premium", constrainedBy: undefined });
    expect(() => applyLimits(ladder, "premium", { budget: 0.0001 }, 1000)).toThrow(BudgetTooSmallError);
    expect(() => applyLimits(ladder, "fast", { minTier: "premium", budget: 0.005 }, 1000)).toThrow(/does not cover the cheapest allowed tier \(premium/);
  });

  it("refuses limits that name unknown tiers or contradict each other, naming the field", () => {
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return (err as InvalidLimitError).field;
      }
      return null;
    };
    expect(field(() => applyLimits(ladder, "fast", { minTier: "gold" }, 1))).toBe("minTier");
    expect(field(() => applyLimits(ladder, "fast", { maxTier: "gold" }, 1))).toBe("maxTier");
    expect(field(() => applyLimits(ladder, "fast", { allowedTiers: ["gold"] }, 1))).toBe("allowedTiers");
    expect(field(() => applyLimits(ladder, "fast", { allowedTiers: [] }, 1))).toBe("allowedTiers");
    expect(field(() => applyLimits(ladder, "fast", { minTier: "premium", maxTier: "fast" }, 1))).toBe("maxTier");
    expect(field(() => applyLimits(ladder, "fast", { minTier: "premium", allowedTiers: ["fast"] }, 1))).toBe("allowedTiers");
  });
});

describe("TierLadder", () => {
  it("sends a tier a profile lacks to the next one up it offers", () => {
    const subset = [tiers[0]!, tiers[2]!];
    expect(ladder.atOrAbove("standard", subset)).toBe("premium");
    expect(ladder.atOrAbove("fast", subset)).toBe("fast");
    expect(ladder.costOf("standard", 2_000_000)).toBe(2);
  });
});
