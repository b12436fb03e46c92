import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { configSchema, type Config } from "./config-schema.js";
import { formatConfigIssues } from "./config-issues.js";
import { Secrets } from "./secrets.js";
import { tracingFromEnv } from "./tracing-env.js";

/**
 * The only reader of process.env and of the config file. Everything else gets
 * a parsed, validated `Config` passed down from main.ts (or from a test).
 */

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

/** Env variables that override config-file fields (docs/configuration.md). */
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
  ["TIERLINE_STRATEGY", ["routing", "strategy"], "string"],
  ["TIERLINE_INDEX_EF", ["index", "ef"], "number"],
  ["TIERLINE_BATCH_MAX", ["embedding", "batching", "maxBatch"], "number"],
  ["TIERLINE_SESSION_POLICY", ["session", "policy"], "string"],
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

/**
 * Builds the config from an optional raw object (the file's content) and env
 * overrides. Throws ConfigError naming every invalid field.
 */
export function parseConfig(raw: unknown, env: Env = {}, source = "config"): Config {
  const base: Record<string, unknown> = typeof raw === "object" && raw !== null ? structuredClone(raw as Record<string, unknown>) : {};
  // Which variable set which field, so an invalid value is blamed on the variable, not the file.
  const fromEnv = new Map<string, string>();
  for (const [name, keys, kind] of envOverrides) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    if (kind === "number") {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new ConfigError(`Invalid configuration:\n  - (environment) ${name}: expected a number, got "${value}"`);
      setPath(base, keys, n);
    } else {
      setPath(base, keys, value);
    }
    fromEnv.set(keys.join("."), name);
  }
  if ("auth" in base)
    throw new ConfigError(`Invalid configuration:\n  - (${source}) auth: tokens are read from TIERLINE_{ADMIN,ANALYST,FEEDBACK,ROUTE}_TOKEN(S), not the config file`);
  const kinds = { adminTokens: "ADMIN", analystTokens: "ANALYST", feedbackTokens: "FEEDBACK", routeTokens: "ROUTE" } as const;
  const auth: Record<string, Array<{ label: string; token: string }>> = {};
  for (const [field, kind] of Object.entries(kinds)) {
    auth[field] = parseTokens(env, kind, (i, variable) => fromEnv.set(`auth.${field}.${i}`, variable));
  }
  base.auth = auth;
  if ("tracing" in base)
    throw new ConfigError(`Invalid configuration:\n  - (${source}) tracing: set by the standard OTEL_* environment variables (docs/operations.md#tracing), not the config file`);
  base.tracing = tracingFromEnv(env, (field, variable) => fromEnv.set(field, variable));
  const parsed = configSchema.safeParse(base);
  if (!parsed.success) throw new ConfigError(formatConfigIssues(parsed.error, configSchema, source, fromEnv));
  return parsed.data;
}

/**
 * TIERLINE_<KIND>_TOKEN is one token labelled with the kind; TIERLINE_<KIND>_TOKENS
 * is "label:token,label:token" so the audit log can tell curators apart.
 */
function parseTokens(env: Env, kind: "ADMIN" | "ANALYST" | "FEEDBACK" | "ROUTE", origin: (index: number, variable: string) => void): Array<{ label: string; token: string }> {
  const tokens: Array<{ label: string; token: string }> = [];
  const single = env[`TIERLINE_${kind}_TOKEN`];
  if (single) {
    origin(tokens.length, `TIERLINE_${kind}_TOKEN`);
    tokens.push({ label: kind.toLowerCase(), token: single });
  }
  for (const entry of (env[`TIERLINE_${kind}_TOKENS`] ?? "").split(",")) {
    if (entry.trim() === "") continue;
    const at = entry.indexOf(":");
    if (at <= 0) throw new ConfigError(`Invalid configuration:\n  - (environment) TIERLINE_${kind}_TOKENS: expected label:token pairs separated by commas`);
    origin(tokens.length, `TIERLINE_${kind}_TOKENS (label ${entry.slice(0, at).trim()})`);
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
      throw new ConfigError(`Invalid configuration:\n  - (${file}) not valid JSON: ${(err as Error).message}`);
    }
  } else if (explicit !== undefined) {
    throw new ConfigError(`TIERLINE_CONFIG points to ${file}, which does not exist`);
  }
  return parseConfig(raw, env, file);
}

/**
 * The upstream API keys the config names (tiers[].upstreams[].apiKeyEnv),
 * read from the environment at start. A named variable that is unset or
 * empty stops the service, naming the field and the variable, never a value.
 */
export function loadSecrets(config: Pick<Config, "tiers">, env: Env = process.env): Secrets {
  const values = new Map<string, string>();
  const missing: string[] = [];
  config.tiers.forEach((tier, i) =>
    (tier.upstreams ?? []).forEach((u, j) => {
      if (u.apiKeyEnv === undefined) return;
      const value = env[u.apiKeyEnv];
      if (value === undefined || value.trim() === "") missing.push(`  - tiers.${i}.upstreams.${j}.apiKeyEnv: the environment variable ${u.apiKeyEnv} is not set`);
      else values.set(u.apiKeyEnv, value.trim());
    }),
  );
  if (missing.length > 0) throw new ConfigError(`Invalid configuration (env):\n${missing.join("\n")}`);
  return new Secrets(values);
}
