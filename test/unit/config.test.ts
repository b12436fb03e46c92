import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fallbackTierOf } from "../../src/base/config/config-schema.js";
import { ConfigError, loadConfig, parseConfig } from "../../src/base/config/load-config.js";

describe("parseConfig", () => {
  it("has working defaults: three tiers with the documented prices, premium fallback", () => {
    const c = parseConfig({});
    expect(c.port).toBe(8787);
    expect(c.tiers.map((t) => [t.name, t.pricePer1MTokens])).toEqual([
      ["fast", 0.2],
      ["standard", 1],
      ["premium", 10],
    ]);
    expect(fallbackTierOf(c)).toBe("premium");
    expect(c.embedding.provider).toBe("use-onnx");
    expect(c.databaseUrl).toBeUndefined();
  });

  it("defaults to the shipped configuration's routing values, so a config file that leaves them out routes as the shipped one", () => {
    const shipped = JSON.parse(readFileSync("tierline.config.json", "utf8")) as { routing: Record<string, unknown> };
    const model = JSON.parse(readFileSync("models/second-stage.json", "utf8")) as { training: { ood: unknown } };
    const { k, margin, minSimilarity, strategy, ood } = parseConfig({}).routing;
    expect({ k, margin, minSimilarity, strategy, ood }).toEqual({
      k: shipped.routing.k,
      margin: shipped.routing.margin,
      minSimilarity: shipped.routing.minSimilarity,
      strategy: shipped.routing.strategy,
      ood: shipped.routing.ood,
    });
    // The guard's thresholds are the ones the shipped second stage was calibrated with.
    expect(ood).toEqual(model.training.ood);
  });

  it("applies env overrides over the file", () => {
    const c = parseConfig(
      { port: 9000, routing: { k: 5, margin: 0.3 } },
      { PORT: "9100", TIERLINE_MARGIN: "0.05", DATABASE_URL: "postgres://u@h/db", EMBEDDING_PROVIDER: "transformers" },
    );
    expect(c.port).toBe(9100);
    expect(c.routing.k).toBe(5);
    expect(c.routing.margin).toBe(0.05);
    expect(c.routing.minSimilarity).toBe(0.3);
    expect(c.databaseUrl).toBe("postgres://u@h/db");
    expect(c.embedding.provider).toBe("transformers");
  });

  it("names every invalid field", () => {
    const attempt = () => parseConfig({ routing: { k: 0, margin: 2 }, tiers: [{ name: "Fast!", model: "", pricePer1MTokens: -1 }] });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      const msg = (err as Error).message;
      for (const field of ["routing.k", "routing.margin", "tiers.0.name", "tiers.0.model", "tiers.0.pricePer1MTokens"]) {
        expect(msg).toContain(field);
      }
    }
  });

  it("rejects duplicate tiers, an unknown fallback tier and a non-numeric env number", () => {
    const tier = { name: "a", model: "m", pricePer1MTokens: 1 };
    expect(() => parseConfig({ tiers: [tier, tier] })).toThrow(/tiers: tier names must be unique/);
    expect(() => parseConfig({ routing: { fallbackTier: "gold" } })).toThrow(/routing\.fallbackTier/);
    expect(() => parseConfig({}, { TIERLINE_K: "seven" })).toThrow(/TIERLINE_K/);
    expect(() => parseConfig({}, { DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
  });

  it("turns session consistency on from the environment (one setting for every replica of a compose file)", () => {
    expect(parseConfig({}).session.policy).toBe("none");
    expect(parseConfig({}, { TIERLINE_SESSION_POLICY: "no-downgrade" }).session.policy).toBe("no-downgrade");
    expect(() => parseConfig({}, { TIERLINE_SESSION_POLICY: "sticky" })).toThrow(/\(environment\) TIERLINE_SESSION_POLICY/);
  });

  it("keeps the batch lane's bound under the request deadline: a batch admitted behind more work could only time out", () => {
    expect(parseConfig({}).embedding).toMatchObject({ batchSliceChars: 8192, maxBatchQueueMs: 8000 });
    expect(() => parseConfig({ embedding: { maxBatchQueueMs: 15_000 } })).toThrow(/embedding\.maxBatchQueueMs: must be below http\.requestTimeoutMs \(15000\)/);
    expect(() => parseConfig({ embedding: { maxBatchQueueMs: 15_000 }, http: { requestTimeoutMs: 20_000 } })).not.toThrow();
  });

  it("rejects unknown keys at the root and in every section, naming the key and the likely intended one", () => {
    expect(() => parseConfig({ routng: { k: 5 } }, {}, "tierline.config.json")).toThrow(/\(tierline\.config\.json\) routng: unknown key \(did you mean "routing"\?\)/);
    const typos: Array<[Record<string, unknown>, string]> = [
      [{ routing: { marign: 0.2 } }, "routing.marign"],
      [{ routing: { ood: { minNearst: 0.3 } } }, "routing.ood.minNearst"],
      [{ routing: { secondStage: { model: "x.json" } } }, "routing.secondStage.model"],
      [
        {
          tiers: [
            { name: "a", model: "m", pricePer1MTokens: 1, price: 2 },
            { name: "b", model: "m", pricePer1MTokens: 2 },
          ],
        },
        "tiers.0.price",
      ],
      [{ embedding: { batching: { maxBatchSize: 8 } } }, "embedding.batching.maxBatchSize"],
      [{ index: { efSearch: 10 } }, "index.efSearch"],
      [{ cache: { store_text: true } }, "cache.store_text"],
      [{ http: { timeoutMs: 5 } }, "http.timeoutMs"],
      [{ database: { timeout: 5 } }, "database.timeout"],
      [{ shutdown: { drain: 5 } }, "shutdown.drain"],
      [{ rateLimit: { writes: 5 } }, "rateLimit.writes"],
      [{ curation: { conflict: 0.9 } }, "curation.conflict"],
      [{ replication: { poll: 5 } }, "replication.poll"],
      [{ stats: { flushMs: 5 } }, "stats.flushMs"],
      [{ session: { ttl: 5 } }, "session.ttl"],
      [{ sessions: { readMs: 5 } }, "sessions.readMs"],
      [{ profiles: { bot: { routng: {} } } }, "profiles.bot.routng"],
    ];
    for (const [raw, field] of typos) expect(() => parseConfig(raw), field).toThrow(new RegExp(`${field.replace(/\./g, "\\.")}: unknown key`));
    // Every key the shipped file uses is known.
    expect(() => loadConfig({}, path.resolve(__dirname, "../.."))).not.toThrow();
  });

  it("blames an invalid environment variable on the variable, not on the config file", () => {
    const attempt = (env: Record<string, string>) => () => parseConfig({ routing: { k: 5 } }, env, "/etc/tierline.config.json");
    expect(attempt({ TIERLINE_MARGIN: "5" })).toThrow(/\(environment\) TIERLINE_MARGIN: Too big/);
    expect(attempt({ TIERLINE_MARGIN: "5" })).not.toThrow(/tierline\.config\.json/);
    expect(attempt({ PORT: "70000" })).toThrow(/\(environment\) PORT: /);
    expect(attempt({ LOG_LEVEL: "loud" })).toThrow(/\(environment\) LOG_LEVEL: /);
    expect(attempt({ TIERLINE_K: "seven" })).toThrow(/\(environment\) TIERLINE_K: expected a number, got "seven"/);
    expect(attempt({ TIERLINE_ADMIN_TOKEN: "short" })).toThrow(/\(environment\) TIERLINE_ADMIN_TOKEN: must be at least 16 characters/);
    expect(attempt({ TIERLINE_ADMIN_TOKEN: "CHANGE-ME-admin-token-0123456789" })).toThrow(/\(environment\) TIERLINE_ADMIN_TOKEN: is a placeholder/);
    expect(attempt({ TIERLINE_ANALYST_TOKENS: "alice:0123456789abcdef,bob:short" })).toThrow(
      /\(environment\) TIERLINE_ANALYST_TOKENS \(label bob\): must be at least 16 characters/,
    );
    // A bad value in the file is still the file's, with the variable's one beside it.
    try {
      parseConfig({ routing: { k: 0 } }, { TIERLINE_MARGIN: "-1" }, "/etc/tierline.config.json");
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain("(/etc/tierline.config.json) routing.k: ");
      expect((err as Error).message).toContain("(environment) TIERLINE_MARGIN: ");
    }
  });
});

describe("loadConfig", () => {
  it("reads tierline.config.json from the working directory, or the file TIERLINE_CONFIG names", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tierline-config-"));
    writeFileSync(path.join(dir, "tierline.config.json"), JSON.stringify({ routing: { k: 9 } }));
    writeFileSync(path.join(dir, "other.json"), JSON.stringify({ routing: { k: 3 } }));
    expect(loadConfig({}, dir).routing.k).toBe(9);
    expect(loadConfig({ TIERLINE_CONFIG: "other.json" }, dir).routing.k).toBe(3);
  });

  it("fails clearly on a missing explicit file and on invalid JSON", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tierline-config-"));
    expect(() => loadConfig({ TIERLINE_CONFIG: "nope.json" }, dir)).toThrow(/does not exist/);
    writeFileSync(path.join(dir, "tierline.config.json"), "{ k: 1 ");
    expect(() => loadConfig({}, dir)).toThrow(/not valid JSON/);
  });
});
