import { z } from "zod";

/** The feedback loop's sections of the configuration (config-schema.ts), every default stated once. */

/** The decision log (docs/feedback-loop.md): every decision, written behind, day-partitioned. */
export const decisionsSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Store the query text with each logged decision (off: queries may hold personal data; feedback can still bring its own text). */
    storeText: z.boolean().default(false),
    /** Days of decisions kept; older day partitions are dropped (with their feedback and review items). */
    retentionDays: z.number().int().min(1).max(3650).default(30),
    /** Day partitions created ahead of time. */
    partitionsAhead: z.number().int().min(1).max(30).default(2),
    /** Decisions held in memory while the database is away; beyond it the oldest are dropped and counted. */
    queueLimit: z.number().int().min(1).default(50_000),
    flushIntervalMs: z.number().int().min(10).default(1000),
  })
  .strict()
  .prefault({});

/** Shadow mode (label collection): answer one fixed tier while logging the tier routing would have chosen. */
export const shadowSchema = z
  .object({
    /** On for every request; a request can still say `"shadow": false` (or `true` when this is off). */
    enabled: z.boolean().default(false),
    /** The tier answered in shadow mode; default the fallback tier (premium). */
    tier: z.string().optional(),
  })
  .strict()
  .prefault({});

export const feedbackSchema = z
  .object({
    /** Most lines in one POST /feedback/import request (one transaction). */
    maxImportLines: z.number().int().min(1).default(10_000),
    /** Largest feedback import body, bytes. */
    maxImportBytes: z.number().int().min(1024).default(16_000_000),
    /** An import's database budget: database.operationTimeoutMs plus this per line (reads, reports, review items; 10,000 lines: 1.5 s + 20 s). */
    perLineBudgetMs: z.number().min(0).max(1000).default(2),
  })
  .strict()
  .prefault({});

/** shadow.tier must name a configured tier (called from the configuration's own checks). */
export function checkShadowTier(shadow: { tier?: string }, tiers: readonly string[], ctx: z.RefinementCtx): void {
  if (shadow.tier !== undefined && !tiers.includes(shadow.tier)) {
    ctx.addIssue({ code: "custom", path: ["shadow", "tier"], message: `must be one of the configured tiers (${tiers.join(", ")})` });
  }
}

/** The tier shadow mode answers with: shadow.tier, else the fallback tier (premium). */
export function shadowTierOf(config: { shadow: { tier?: string }; routing: { fallbackTier?: string }; tiers: ReadonlyArray<{ name: string }> }): string {
  return config.shadow.tier ?? config.routing.fallbackTier ?? config.tiers[config.tiers.length - 1]!.name;
}
