import { Writable } from "node:stream";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, loadSecrets, parseConfig } from "../../src/base/config/load-config.js";
import { redactSecrets } from "../../src/base/config/redact.js";
import { Secrets } from "../../src/base/config/secrets.js";
import { UpstreamRegistry } from "../../src/adapters/upstreams/upstream-registry.js";
import { createLogger } from "../../src/base/logger.js";

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
