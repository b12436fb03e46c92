import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/base/config/load-config.js";
import { answerText, parseScore } from "../../src/adapters/upstreams/prompts.js";
import { costOf, usageOf } from "../../src/adapters/upstreams/recorder.js";
import { SseUsageTap } from "../../src/gateway/stream-relay.js";
import { isFallback } from "../../src/routing/decision.js";
import { routingFingerprint } from "../../src/routing/settings-fingerprint.js";
import { defaultTierByRating } from "../../src/routing/steps/llm-rated.js";

describe("usage and prompts", () => {
  it("taps the usage chunk of an SSE stream split anywhere, without touching the bytes", () => {
    const text = 'data: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}\n\ndata: [DONE]\n\n';
    const bytes = Buffer.from(text);
    for (const cut of [1, 20, 60, 90, bytes.length - 3]) {
      const tap = new SseUsageTap();
      tap.push(bytes.subarray(0, cut));
      tap.push(bytes.subarray(cut));
      tap.end();
      expect(tap.usage).toEqual({ promptTokens: 12, completionTokens: 7 });
    }
    const none = new SseUsageTap();
    none.push(Buffer.from('data: {"choices":[]}\n\ndata: [DONE]\n\n'));
    none.end();
    expect(none.usage).toBeNull();
  });

  it("reads usage, prices it, and rejects nonsense", () => {
    expect(usageOf({ usage: { prompt_tokens: 10, completion_tokens: 5 } })).toEqual({ promptTokens: 10, completionTokens: 5 });
    expect(usageOf({ usage: { prompt_tokens: -1, completion_tokens: 5 } })).toBeNull();
    expect(usageOf({})).toBeNull();
    // Issue 20: more than any answer can hold is a broken upstream, never charged (2^31 tokens added $3,000 to spend).
    expect(usageOf({ usage: { prompt_tokens: 2 ** 31, completion_tokens: 5 } })).toBeNull();
    expect(usageOf({ usage: { prompt_tokens: 5, completion_tokens: 1e300 } })).toBeNull();
    expect(usageOf({ usage: { prompt_tokens: 10_000_000, completion_tokens: 0 } })).toEqual({ promptTokens: 10_000_000, completionTokens: 0 });
    expect(costOf({ promptTokens: 600_000, completionTokens: 400_000 }, 10)).toBe(10);
    expect(costOf(null, 10)).toBeNull();
  });

  it("parses ratings and answers", () => {
    expect(parseScore("4", 1, 5)).toBe(4);
    expect(parseScore("Rating: 3.", 1, 5)).toBe(3);
    expect(parseScore("7", 1, 5)).toBeNull();
    expect(parseScore("hard", 1, 5)).toBeNull();
    expect(parseScore(null, 1, 5)).toBeNull();
    expect(answerText({ choices: [{ message: { content: "yes" } }] })).toBe("yes");
    expect(answerText({ choices: [{ message: { content: null, tool_calls: [] } }] })).toBeNull();
    expect(defaultTierByRating(["fast", "standard", "premium"])).toEqual(["fast", "fast", "standard", "premium", "premium"]);
    expect(defaultTierByRating(["small", "large"])).toEqual(["small", "small", "large", "large", "large"]);
  });

  it("scopes the decision cache by the complexity rating: rated verdicts are not served once it is off or remapped", () => {
    const tiers = [
      { name: "fast", model: "f", pricePer1MTokens: 0.2, upstreams: [{ baseUrl: "http://127.0.0.1:1/v1", model: "small" }] },
      { name: "premium", model: "p", pricePer1MTokens: 10, upstreams: [{ baseUrl: "http://127.0.0.1:1/v1", model: "big" }] },
    ];
    const fp = (gateway: Record<string, unknown>) => routingFingerprint(parseConfig({ tiers, gateway }));
    expect(fp({})).toBe(fp({ complexityRating: { enabled: false, timeoutMs: 900 } }));
    expect(fp({ complexityRating: { enabled: true } })).not.toBe(fp({}));
    expect(fp({ complexityRating: { enabled: true, tierByRating: ["fast", "fast", "fast", "premium", "premium"] } })).not.toBe(fp({ complexityRating: { enabled: true } }));
  });

  it("counts an LLM-rated decision as decided, not as a fallback", () => {
    expect(isFallback("llm_rated")).toBe(false);
    expect(isFallback("knn")).toBe(false);
    expect(isFallback("low_margin_fallback")).toBe(true);
  });
});
