import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * The only reader of process.env and of the config file. Everything else gets
 * a parsed, validated `Config` passed down from main.ts (or from a test).
 */

const tierSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, "lower-case letters, digits, - or _"),
  model: z.string().min(1),
  /** USD per 1M tokens; only ratios matter (cost reports, calibration). */
  pricePer1MTokens: z.number().nonnegative(),
});

export const configSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(8787),
    host: z.string().default("0.0.0.0"),
    /** PGlite data directory, used when databaseUrl is unset. */
    dataDir: z.string().default("./data"),
    databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL").optional(),
    exemplarsDir: z.string().default("./exemplars"),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** Ordered cheapest first; the last tier is the premium fallback unless fallbackTier says otherwise. */
    tiers: z
      .array(tierSchema)
      .min(2)
      .default([
        { name: "fast", model: "llama-3.1-8b-instruct", pricePer1MTokens: 0.2 },
        { name: "standard", model: "gpt-4o-mini", pricePer1MTokens: 1.0 },
        { name: "premium", model: "claude-sonnet-4", pricePer1MTokens: 10.0 },
      ]),
    embedding: z
      .object({
        /** use-onnx: USE lite converted to ONNX (default); use-lite: the same model on TF.js; transformers: any transformers.js model. */
        provider: z.enum(["use-onnx", "use-lite", "transformers"]).default("use-onnx"),
        /** use-onnx only: "int8" is ~2x faster but not within the 0.999 equivalence tolerance (README "Decisions"). */
        onnxVariant: z.enum(["fp32", "int8"]).default("fp32"),
        /** onnxruntime intra-op threads; default: the cores this process may use. */
        threads: z.number().int().min(1).max(64).optional(),
        /** Hub id or a label for a local transformers.js model. */
        model: z.string().default("Xenova/all-MiniLM-L6-v2"),
        modelPath: z.string().optional(),
        /** Micro-batching of concurrent route queries into one forward pass. */
        batching: z
          .object({
            enabled: z.boolean().default(true),
            maxBatch: z.number().int().min(1).max(256).default(32),
            maxWaitMs: z.number().min(0).max(50).default(0),
          })
          .default({ enabled: true, maxBatch: 32, maxWaitMs: 0 }),
      })
      .default({ provider: "use-onnx", onnxVariant: "fp32", model: "Xenova/all-MiniLM-L6-v2", batching: { enabled: true, maxBatch: 32, maxWaitMs: 0 } }),
    routing: z
      .object({
        k: z.number().int().min(1).max(100).default(7),
        /** Lead of the majority behind the chosen tier (README "API"); below it the query goes to the fallback tier. */
        margin: z.number().min(0).max(1).default(0.17),
        /** Cosine similarity of the nearest exemplar below which nothing is "close". */
        minSimilarity: z.number().min(-1).max(1).default(0.3),
        fallbackTier: z.string().optional(),
      })
      .default({ k: 7, margin: 0.17, minSimilarity: 0.3 }),
    index: z
      .object({
        M: z.number().int().min(4).max(128).default(16),
        efConstruction: z.number().int().min(10).max(2000).default(200),
        ef: z.number().int().min(10).max(5000).default(64),
        /** Keep the built graph in dataDir/index so a warm start skips rebuilding it (default true). */
        snapshot: z.boolean().optional(),
      })
      .default({ M: 16, efConstruction: 200, ef: 64 }),
    cache: z
      .object({
        enabled: z.boolean().default(true),
        /** Decisions kept in process memory; the read path never waits on the database. */
        memoryEntries: z.number().int().min(0).default(100_000),
        /** Pending write-behind rows; beyond it the oldest are dropped and counted. */
        queueLimit: z.number().int().min(1).default(10_000),
        flushIntervalMs: z.number().int().min(10).default(1000),
        storeText: z.boolean().default(false),
      })
      .default({ enabled: true, memoryEntries: 100_000, queueLimit: 10_000, flushIntervalMs: 1000, storeText: false }),
    /** Largest accepted request body, bytes. */
    maxBodyBytes: z.number().int().min(1024).default(1_000_000),
    curation: z
      .object({
        /** Adding or moving an exemplar this similar to one of another tier is a conflict (409). */
        conflictSimilarity: z.number().min(0).max(1).default(0.97),
        maxBatch: z.number().int().min(1).max(10_000).default(1000),
        /** Largest JSONL body accepted by POST /exemplars/import, bytes. */
        maxImportBytes: z.number().int().min(1024).default(32_000_000),
        /** Most lines in one import request (one transaction); the CLI sends chunks. */
        maxImportLines: z.number().int().min(1).default(10_000),
      })
      .default({ conflictSimilarity: 0.97, maxBatch: 1000, maxImportBytes: 32_000_000, maxImportLines: 10_000 }),
    replication: z
      .object({
        /** Safety net behind LISTEN/NOTIFY: how often a replica compares revisions. */
        pollIntervalMs: z.number().int().min(100).default(5000),
      })
      .default({ pollIntervalMs: 5000 }),
    stats: z
      .object({
        flushIntervalMs: z.number().int().min(10).default(1000),
        /** Distinct (minute, tier, reason, cached) counters buffered while the database is away. */
        maxPendingKeys: z.number().int().min(1).default(50_000),
      })
      .default({ flushIntervalMs: 1000, maxPendingKeys: 50_000 }),
    /** Put the query text in the request log line (off: queries may hold personal data). */
    logQueryText: z.boolean().default(false),
    /** Bearer tokens, from the environment only (never the config file). */
    auth: z
      .object({
        adminTokens: z.array(z.object({ label: z.string().min(1), token: z.string().min(16, "must be at least 16 characters") })).default([]),
        analystTokens: z.array(z.object({ label: z.string().min(1), token: z.string().min(16, "must be at least 16 characters") })).default([]),
      })
      .default({ adminTokens: [], analystTokens: [] }),
  })
  .superRefine((cfg, ctx) => {
    const names = cfg.tiers.map((t) => t.name);
    if (new Set(names).size !== names.length) {
      ctx.addIssue({ code: "custom", path: ["tiers"], message: "tier names must be unique" });
    }
    if (cfg.routing.fallbackTier !== undefined && !names.includes(cfg.routing.fallbackTier)) {
      ctx.addIssue({
        code: "custom",
        path: ["routing", "fallbackTier"],
        message: `must be one of the configured tiers (${names.join(", ")})`,
      });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type TierConfig = Config["tiers"][number];

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

/** Env variables that override config-file fields (documented in README). */
const envOverrides: Array<[string, string[], "string" | "number"]> = [
  ["PORT", ["port"], "number"],
  ["HOST", ["host"], "string"],
  ["DATABASE_URL", ["databaseUrl"], "string"],
  ["TIERLINE_DATA_DIR", ["dataDir"], "string"],
  ["TIERLINE_EXEMPLARS_DIR", ["exemplarsDir"], "string"],
  ["LOG_LEVEL", ["logLevel"], "string"],
  ["EMBEDDING_PROVIDER", ["embedding", "provider"], "string"],
  ["EMBEDDING_MODEL", ["embedding", "model"], "string"],
  ["EMBEDDING_MODEL_PATH", ["embedding", "modelPath"], "string"],
  ["EMBEDDING_THREADS", ["embedding", "threads"], "number"],
  ["TIERLINE_K", ["routing", "k"], "number"],
  ["TIERLINE_MARGIN", ["routing", "margin"], "number"],
  ["TIERLINE_MIN_SIMILARITY", ["routing", "minSimilarity"], "number"],
  ["TIERLINE_INDEX_EF", ["index", "ef"], "number"],
  ["TIERLINE_BATCH_MAX", ["embedding", "batching", "maxBatch"], "number"],
];

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function formatIssues(error: z.ZodError, source: string): string {
  const lines = error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join(".") : "(root)";
    return `  - ${field}: ${issue.message}`;
  });
  return `Invalid configuration (${source}):\n${lines.join("\n")}`;
}

/**
 * Builds the config from an optional raw object (the file's content) and env
 * overrides. Throws ConfigError naming every invalid field.
 */
export function parseConfig(raw: unknown, env: Env = {}, source = "config"): Config {
  const base: Record<string, unknown> =
    typeof raw === "object" && raw !== null ? structuredClone(raw as Record<string, unknown>) : {};
  for (const [name, keys, kind] of envOverrides) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    if (kind === "number") {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new ConfigError(`Invalid configuration (env):\n  - ${name}: expected a number, got "${value}"`);
      setPath(base, keys, n);
    } else {
      setPath(base, keys, value);
    }
  }
  if ("auth" in base) throw new ConfigError(`Invalid configuration (${source}):\n  - auth: tokens are read from TIERLINE_ADMIN_TOKEN(S) and TIERLINE_ANALYST_TOKEN(S), not the config file`);
  base.auth = { adminTokens: parseTokens(env, "ADMIN"), analystTokens: parseTokens(env, "ANALYST") };
  const parsed = configSchema.safeParse(base);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, source));
  return parsed.data;
}

/**
 * TIERLINE_<KIND>_TOKEN is one token labelled with the kind; TIERLINE_<KIND>_TOKENS
 * is "label:token,label:token" so the audit log can tell curators apart.
 */
function parseTokens(env: Env, kind: "ADMIN" | "ANALYST"): Array<{ label: string; token: string }> {
  const tokens: Array<{ label: string; token: string }> = [];
  const single = env[`TIERLINE_${kind}_TOKEN`];
  if (single) tokens.push({ label: kind.toLowerCase(), token: single });
  for (const entry of (env[`TIERLINE_${kind}_TOKENS`] ?? "").split(",")) {
    if (entry.trim() === "") continue;
    const at = entry.indexOf(":");
    if (at <= 0) throw new ConfigError(`Invalid configuration (env):\n  - TIERLINE_${kind}_TOKENS: expected label:token pairs separated by commas`);
    tokens.push({ label: entry.slice(0, at).trim(), token: entry.slice(at + 1).trim() });
  }
  return tokens;
}

/** Reads tierline.config.json (or TIERLINE_CONFIG) if present, then env overrides. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const explicit = env.TIERLINE_CONFIG;
  const file = path.resolve(cwd, explicit ?? "tierline.config.json");
  let raw: unknown = {};
  if (existsSync(file)) {
    try {
      raw = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new ConfigError(`Invalid configuration (${file}): not valid JSON: ${(err as Error).message}`);
    }
  } else if (explicit !== undefined) {
    throw new ConfigError(`TIERLINE_CONFIG points to ${file}, which does not exist`);
  }
  return parseConfig(raw, env, file);
}

/** The tier that takes every query the router is unsure about. */
export function fallbackTierOf(config: Pick<Config, "tiers" | "routing">): string {
  return config.routing.fallbackTier ?? config.tiers[config.tiers.length - 1]!.name;
}
