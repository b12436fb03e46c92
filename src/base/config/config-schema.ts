import { z } from "zod";
import { checkShadowTier, decisionsSchema, feedbackSchema, shadowSchema } from "./loop-schema.js";
import { compileRules, InvalidRuleError, ruleSchema } from "../policy/rule-set.js";
import { gatewayIssues, gatewaySchema, upstreamSchema } from "./gateway-schema.js";
import { databaseSection, embeddingSection, httpSection, profileSchema, rateLimitSection, sessionSchema, sessionsSection, shutdownSection } from "./sections.js";
import { tracingSection } from "./tracing-env.js";

/**
 * The service's configuration, validated once at start-up. Every default is
 * stated here, once: an object section defaults to `{}` through prefault, so
 * its fields' own defaults fill it in.
 */

const tierSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, "lower-case letters, digits, - or _"),
    model: z.string().min(1),
    /** USD per 1M tokens; only ratios matter (cost reports, calibration). */
    pricePer1MTokens: z.number().nonnegative(),
    /** The gateway's upstream models for this tier, tried in order (docs/gateway.md); none: the gateway does not serve it. */
    upstreams: z.array(upstreamSchema).max(16).optional(),
    /** Tiers whose upstreams are tried, in order, after this tier's own; none by default. */
    fallbackTiers: z.array(z.string()).max(8).optional(),
  })
  .strict();

const labelledToken = z.object({
  label: z.string().min(1),
  token: z
    .string()
    .min(16, "must be at least 16 characters")
    // tierline.env.example's placeholders: a copied example must not become a known admin token.
    .refine((t) => !/change-?me/i.test(t), "is a placeholder (CHANGE-ME…): set a token of your own, e.g. `openssl rand -hex 24`"),
});

export const configSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(8787),
    host: z.string().default("0.0.0.0"),
    /** PGlite data directory, used when databaseUrl is unset. */
    dataDir: z.string().default("./data"),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
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
    embedding: embeddingSection,
    routing: z
      .object({
        k: z.number().int().min(1).max(100).default(7),
        /** Lead of the majority behind the chosen tier (docs/api.md); below it the query goes to the fallback tier. */
        margin: z.number().min(0).max(1).default(0.17),
        /** Cosine similarity of the nearest exemplar below which nothing is "close" (strategy "knn"). */
        minSimilarity: z.number().min(-1).max(1).default(0.3),
        fallbackTier: z.string().optional(),
        /** "second-stage": a small model over the vote, the neighborhood and the text decides; "knn": the vote and its margin (docs/routing-quality.md). */
        strategy: z.enum(["knn", "second-stage"]).default("second-stage"),
        secondStage: z
          .object({
            /** The model JSON written by `npm run train-router`. */
            modelFile: z.string().default("./models/second-stage.json"),
            /** What a query sent to too cheap a tier costs, in top-tier calls; default: the model file's calibrated value. */
            downgradeCost: z.number().positive().optional(),
          })
          .strict()
          .prefault({}),
        /** Out-of-distribution guard: the 1st percentiles over the calibration rows with the default model (`npm run calibrate`). */
        ood: z
          .object({
            enabled: z.boolean().default(true),
            minNearest: z.number().min(-1).max(1).default(0.3597),
            minMeanSimilarity: z.number().min(-1).max(1).default(0.3279),
            k: z.number().int().min(1).max(100).default(7),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    index: z
      .object({
        M: z.number().int().min(4).max(128).default(16),
        efConstruction: z.number().int().min(10).max(2000).default(200),
        ef: z.number().int().min(10).max(5000).default(64),
        /** Keep the built graph in dataDir/index so a warm start skips rebuilding it. */
        snapshot: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
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
      .strict()
      .prefault({}),
    /** Largest accepted JSON request body, bytes (curator and other JSON routes). */
    maxBodyBytes: z.number().int().min(1024).default(1_000_000),
    http: httpSection,
    database: databaseSection,
    shutdown: shutdownSection,
    rateLimit: rateLimitSection,
    curation: z
      .object({
        /** Adding or moving an exemplar this similar to one of another tier is a conflict (409). */
        conflictSimilarity: z.number().min(0).max(1).default(0.97),
        maxBatch: z.number().int().min(1).max(10_000).default(1000),
        /** Largest JSONL body accepted by POST /exemplars/import, bytes. */
        maxImportBytes: z.number().int().min(1024).default(32_000_000),
        /** Most lines in one import request (one transaction); the CLI sends chunks. */
        maxImportLines: z.number().int().min(1).default(10_000),
        /** Writes are serialised; one waits this long for the one before it before answering 503 (nothing written). */
        lockWaitMs: z.number().int().min(100).default(10_000),
        /** Beyond the database guard's bound, the time a batch or import may take per item (embedding, checks, rows). */
        perItemBudgetMs: z.number().int().min(1).default(25),
      })
      .strict()
      .prefault({}),
    replication: z
      .object({
        /** Safety net behind LISTEN/NOTIFY: how often a replica compares revisions. */
        pollIntervalMs: z.number().int().min(100).default(5000),
      })
      .strict()
      .prefault({}),
    stats: z
      .object({
        flushIntervalMs: z.number().int().min(10).default(1000),
        /** Distinct (minute, tier, reason, cached) counters buffered while the database is away. */
        maxPendingKeys: z.number().int().min(1).default(50_000),
      })
      .strict()
      .prefault({}),
    gateway: gatewaySchema.prefault({}),
    /** Service-wide rules, evaluated in order before the vote (docs/routing-policy.md); PUT /rules replaces them at run time. */
    rules: z.array(ruleSchema).default([]),
    session: sessionSchema.prefault({}),
    sessions: sessionsSection,
    profiles: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, "lower-case letters, digits, - or _"), profileSchema).default({}),
    /** The currency of pricePer1MTokens, as shown next to estimated costs. */
    currency: z.string().min(1).max(8).default("USD"),
    /** The feedback loop (docs/feedback-loop.md): the decision log, shadow mode, feedback imports. */
    decisions: decisionsSchema,
    shadow: shadowSchema,
    feedback: feedbackSchema,
    /** Put the query text in the request log line (off: queries may hold personal data). */
    logQueryText: z.boolean().default(false),
    /** OpenTelemetry tracing, from the standard OTEL_* environment variables only (never the config file). */
    tracing: tracingSection,
    /** Bearer tokens, from the environment only (never the config file). */
    auth: z
      .object({
        adminTokens: z.array(labelledToken).default([]),
        analystTokens: z.array(labelledToken).default([]),
        /** Calling services that send feedback on decisions. */
        feedbackTokens: z.array(labelledToken).default([]),
        /** Calling services of /route (and the gateway); when none is configured those endpoints are open and the caller is "anonymous". */
        routeTokens: z.array(labelledToken).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const names = cfg.tiers.map((t) => t.name);
    if (new Set(names).size !== names.length) {
      ctx.addIssue({ code: "custom", path: ["tiers"], message: "tier names must be unique" });
    }
    checkShadowTier(cfg.shadow, names, ctx);
    if (cfg.embedding.maxBatchQueueMs >= cfg.http.requestTimeoutMs) {
      // A batch admitted behind that much work would only be answered 503 deadline_exceeded.
      ctx.addIssue({ code: "custom", path: ["embedding", "maxBatchQueueMs"], message: `must be below http.requestTimeoutMs (${cfg.http.requestTimeoutMs})` });
    }
    const checkRules = (rules: z.infer<typeof ruleSchema>[], path: (string | number)[]) => {
      try {
        compileRules(rules, names);
      } catch (err) {
        if (err instanceof InvalidRuleError) ctx.addIssue({ code: "custom", path, message: err.message });
        else throw err;
      }
    };
    checkRules(cfg.rules, ["rules"]);
    const labels = new Map<string, string>();
    for (const [name, profile] of Object.entries(cfg.profiles)) {
      if (name === "default") ctx.addIssue({ code: "custom", path: ["profiles", name], message: '"default" is the top-level configuration; choose another name' });
      const subset = profile.tiers ?? names;
      const unknown = subset.filter((t) => !names.includes(t));
      if (unknown.length > 0) ctx.addIssue({ code: "custom", path: ["profiles", name, "tiers"], message: `not configured tiers: ${unknown.join(", ")}` });
      else if (subset.some((t, i) => i > 0 && names.indexOf(t) <= names.indexOf(subset[i - 1]!))) {
        ctx.addIssue({ code: "custom", path: ["profiles", name, "tiers"], message: `must follow the order of tiers (${names.join(", ")})` });
      }
      checkRules(profile.rules, ["profiles", name, "rules"]);
      for (const label of profile.tokens) {
        if (labels.has(label))
          ctx.addIssue({ code: "custom", path: ["profiles", name, "tokens"], message: `token label "${label}" is already mapped to profile "${labels.get(label)}"` });
        labels.set(label, name);
      }
    }
    if (cfg.routing.fallbackTier !== undefined && !names.includes(cfg.routing.fallbackTier)) {
      ctx.addIssue({
        code: "custom",
        path: ["routing", "fallbackTier"],
        message: `must be one of the configured tiers (${names.join(", ")})`,
      });
    }
    for (const issue of gatewayIssues(cfg.tiers, cfg.gateway)) ctx.addIssue({ code: "custom", ...issue });
  });

export type Config = z.infer<typeof configSchema>;
export type TierConfig = Config["tiers"][number];

/** The tier that takes every query the router is unsure about. */
export function fallbackTierOf(config: Pick<Config, "tiers" | "routing">): string {
  return config.routing.fallbackTier ?? config.tiers[config.tiers.length - 1]!.name;
}
