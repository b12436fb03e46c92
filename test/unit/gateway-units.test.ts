import { Writable } from "node:stream";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, loadSecrets, parseConfig } from "../../src/base/config/load-config.js";
import { redactSecrets } from "../../src/base/config/redact.js";
import { Secrets } from "../../src/base/config/secrets.js";
import { Breakers, CircuitBreaker, parseRetryAfter } from "../../src/adapters/upstreams/breaker.js";
import { cascadeLadder } from "../../src/gateway/cascade.js";
import { answerText, parseScore } from "../../src/adapters/upstreams/prompts.js";
import { costOf, usageOf } from "../../src/adapters/upstreams/recorder.js";
import { SseUsageTap } from "../../src/gateway/stream-relay.js";
import { UpstreamRegistry } from "../../src/adapters/upstreams/upstream-registry.js";
import { createLogger } from "../../src/base/logger.js";
import { isFallback } from "../../src/routing/decision.js";
import { routingFingerprint } from "../../src/routing/settings-fingerprint.js";
import { defaultTierByRating } from "../../src/routing/steps/llm-rated.js";

const options = { failureThreshold: 3, cooldownMs: 1_000, halfOpenProbes: 1 };

describe("circuit breaker", () => {
  it("opens after consecutive failures, lets one probe through after the cooldown, closes on its success", () => {
    const b = new CircuitBreaker(options);
    for (let i = 0; i < 2; i++) b.settle(b.admit(0) as { probe: boolean }, "failure", 0);
    expect(b.admit(0)).toEqual({ go: true, probe: false });
    b.settle({ probe: false }, "failure", 10);
    expect(b.admit(20)).toEqual({ go: false, why: "open", waitMs: 990 });
    expect(b.admit(1_010)).toEqual({ go: true, probe: true });
    expect(b.admit(1_011)).toMatchObject({ go: false, why: "open" });
    b.settle({ probe: true }, "success", 1_020);
    expect(b.snapshot(1_020)).toEqual({ state: "closed", consecutiveFailures: 0, retryInMs: 0 });
  });

  it("opens again when the probe fails; a success in between resets the count; neutral outcomes count for nothing", () => {
    const b = new CircuitBreaker(options);
    b.settle({ probe: false }, "failure", 0);
    b.settle({ probe: false }, "failure", 0);
    b.settle({ probe: false }, "success", 0);
    b.settle({ probe: false }, "failure", 0);
    b.settle({ probe: false }, "neutral", 0);
    expect(b.snapshot(0).state).toBe("closed");
    for (let i = 0; i < 3; i++) b.settle({ probe: false }, "failure", 0);
    expect(b.admit(1_000)).toEqual({ go: true, probe: true });
    b.settle({ probe: true }, "failure", 1_000);
    expect(b.snapshot(1_500)).toMatchObject({ state: "open", retryInMs: 500 });
  });

  it("holds an upstream back for its Retry-After whatever the circuit says, and forces a last-resort attempt", () => {
    const b = new CircuitBreaker(options);
    b.settle({ probe: false }, "neutral", 0, 5_000);
    expect(b.admit(1_000)).toEqual({ go: false, why: "rate_limited", waitMs: 4_000 });
    expect(b.admit(5_000)).toEqual({ go: true, probe: false });
    expect(b.force()).toEqual({ go: true, probe: false });
    const breakers = new Breakers(["a"], options, () => 0);
    expect(breakers.snapshot()).toEqual([{ upstream: "a", state: "closed", consecutiveFailures: 0, retryInMs: 0 }]);
    expect(() => breakers.of("b")).toThrow(/no breaker/);
  });

  it("reads Retry-After as seconds or an HTTP date, and ignores garbage", () => {
    expect(parseRetryAfter("2")).toBe(2_000);
    expect(parseRetryAfter("0.5")).toBe(500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("999999")).toBe(3_600_000);
  });
});

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

describe("gateway config and keys", () => {
  const tiers = (extra: Record<string, unknown> = {}) => [
    { name: "fast", model: "f", pricePer1MTokens: 0.2, upstreams: [{ baseUrl: "http://127.0.0.1:1/v1", model: "f-a", apiKeyEnv: "FAST_KEY" }], ...extra },
    { name: "premium", model: "p", pricePer1MTokens: 10, upstreams: [{ baseUrl: "https://api.example.com/v1/", model: "p-a", name: "primary" }] },
  ];

  it("builds chains: a tier's own upstreams, then its fallback tiers'", () => {
    const config = parseConfig({ tiers: tiers({ fallbackTiers: ["premium"] }) });
    const registry = new UpstreamRegistry(config.tiers);
    expect(registry.chainFor("fast").map((u) => u.id)).toEqual(["fast/0", "primary"]);
    expect(registry.chainFor("premium").map((u) => u.url)).toEqual(["https://api.example.com/v1/chat/completions"]);
    expect(registry.premiumPrice).toBe(10);
  });

  it("names every invalid gateway field", () => {
    const bad = () =>
      parseConfig({
        tiers: [
          { name: "fast", model: "f", pricePer1MTokens: 1, upstreams: [{ baseUrl: "http://user:pw@host/v1", model: "x" }], fallbackTiers: ["fast", "nope"] },
          { name: "premium", model: "p", pricePer1MTokens: 10 },
        ],
        gateway: { complexityRating: { enabled: true, tier: "premium" }, bogus: 1 },
      });
    expect(bad).toThrow(ConfigError);
    const message = (() => {
      try {
        bad();
      } catch (err) {
        return (err as Error).message;
      }
    })()!;
    expect(message).toContain("tiers.0.upstreams.0.baseUrl: no credentials in the URL");
    expect(message).toContain("tiers.0.fallbackTiers.0: a tier cannot fall back to itself");
    expect(message).toContain("tiers.0.fallbackTiers.1: must be one of the configured tiers");
    expect(message).toContain("gateway.bogus: unknown key");
    expect(message).toContain("tiers.1.upstreams: other tiers have upstreams");
    expect(message).toContain("gateway.complexityRating.enabled: the rating tier (premium) has no upstreams");
  });

  it("resolves apiKeyEnv names into Secrets that never print, and refuses a missing variable by name only", () => {
    const config = parseConfig({ tiers: tiers() });
    const secrets = loadSecrets(config, { FAST_KEY: "sk-live-0123456789abcdef" });
    expect(secrets.get("FAST_KEY")).toBe("sk-live-0123456789abcdef");
    expect(JSON.stringify({ secrets })).not.toContain("sk-live");
    expect(inspect(secrets)).not.toContain("sk-live");
    expect(() => loadSecrets(config, {})).toThrow(/tiers\.0\.upstreams\.0\.apiKeyEnv: the environment variable FAST_KEY is not set/);
    expect(redactSecrets("key sk-live-0123456789abcdef!", secrets.values())).toBe("key [redacted]!");
  });

  it("the service's logger cuts keys out of every line, whatever logged them", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger("info", { secrets: new Secrets([["K", "sk-live-0123456789abcdef"]]).values(), destination: sink });
    logger.info({ headers: { authorization: "Bearer sk-live-0123456789abcdef" } }, "oops sk-live-0123456789abcdef");
    logger.error({ err: new Error("failed with sk-live-0123456789abcdef") }, "error");
    expect(lines.join("")).not.toContain("sk-live-0123456789abcdef");
    expect(lines.join("")).toContain("[redacted]");
    // Without keys configured it is the plain logger.
    const plain: string[] = [];
    createLogger("info", { destination: new Writable({ write: (c, _e, done) => (plain.push(String(c)), done()) }) }).info("hello");
    expect(plain.join("")).toContain('"msg":"hello"');
  });
});
