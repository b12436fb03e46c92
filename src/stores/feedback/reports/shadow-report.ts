import { and, eq, gte, lt, sql } from "drizzle-orm";
import { interval } from "../../../routing/calibration/confidence-bounds.js";
import type { Executor } from "../../../adapters/db/client.js";
import { decisionLog } from "../../../adapters/db/decision-log-table.js";
import { judge } from "../verdicts.js";
import type { DecisionOutcome } from "./outcomes.js";

type Tier = { name: string; pricePer1MTokens: number };
const Z95 = 1.959963984540054;

/** Quality of a set of routed decisions against what their feedback says they needed. */
export interface QualityEstimate {
  /** Decisions with feedback. */
  n: number;
  /** Routed at or above the most capable tier the feedback leaves open: served for sure. */
  served: number;
  /** Routed below what the feedback says was needed: failed for sure. */
  failed: number;
  /** Feedback does not tell (ok on premium says nothing about fast). */
  unknown: number;
  /** served / n: unknowns counted as failures. */
  rate: number;
  /** Two-sided 95% Clopper–Pearson interval of `rate`. */
  interval: [number, number];
  /** (served + unknown) / n: unknowns counted as served. */
  optimistic: number;
}

export interface ShadowSummary {
  decisions: number;
  share: number;
  /** Cost of the would-be tiers relative to answering them all with the shadow tier, with a 95% interval. */
  relativeCost: number;
  costInterval: [number, number];
  savings: number;
  quality: QualityEstimate | null;
}

export function qualityOf(outcomes: readonly Pick<DecisionOutcome, "routed" | "needed">[], tiers: readonly string[]): QualityEstimate | null {
  if (outcomes.length === 0) return null;
  const counts = { served: 0, failed: 0, unknown: 0 };
  for (const o of outcomes) counts[judge(tiers.indexOf(o.routed), o.needed)]++;
  const n = outcomes.length;
  return { n, ...counts, rate: counts.served / n, interval: interval(counts.served, n, 0.95), optimistic: (counts.served + counts.unknown) / n };
}

/** Shadow decisions in [from, to) per would-be tier and tag set. */
export async function shadowCounts(db: Executor, from: Date, to: Date): Promise<Array<{ wouldBe: string; tags: string[] | null; n: number }>> {
  return db
    .select({ wouldBe: sql<string>`coalesce(${decisionLog.shadowOf}, ${decisionLog.tier})`, tags: decisionLog.tags, n: sql<number>`count(*)::float8` })
    .from(decisionLog)
    .where(and(eq(decisionLog.reason, "shadow"), gte(decisionLog.at, from), lt(decisionLog.at, to)))
    .groupBy(sql`1`, decisionLog.tags);
}

function summarise(
  counts: ReadonlyArray<{ wouldBe: string; n: number }>,
  total: number,
  outcomes: readonly DecisionOutcome[],
  tiers: readonly Tier[],
  shadowTier: string,
): ShadowSummary {
  const price = new Map(tiers.map((t) => [t.name, t.pricePer1MTokens]));
  const base = price.get(shadowTier) || 1;
  const n = counts.reduce((s, c) => s + c.n, 0);
  const mean = n === 0 ? 0 : counts.reduce((s, c) => s + c.n * (price.get(c.wouldBe) ?? base), 0) / base / n;
  const variance = n < 2 ? 0 : counts.reduce((s, c) => s + c.n * ((price.get(c.wouldBe) ?? base) / base - mean) ** 2, 0) / (n - 1);
  const half = n === 0 ? 0 : (Z95 * Math.sqrt(variance)) / Math.sqrt(n);
  return {
    decisions: n,
    share: total === 0 ? 0 : n / total,
    relativeCost: mean,
    costInterval: [Math.max(0, mean - half), mean + half],
    savings: n === 0 ? 0 : 1 - mean,
    quality: qualityOf(
      outcomes,
      tiers.map((t) => t.name),
    ),
  };
}

/**
 * What shadow mode learnt: for the decisions answered with the shadow tier,
 * what routing would have saved (the would-be tiers' prices against the
 * shadow tier's) and what it would have cost in quality (the would-be tier
 * against what the feedback says was needed), overall, per would-be tier and
 * per tag; and the same quality for live routing (decisions not shadowed).
 */
export function shadowReport(
  counts: ReadonlyArray<{ wouldBe: string; tags: string[] | null; n: number }>,
  outcomes: readonly DecisionOutcome[],
  tiers: readonly Tier[],
  shadowTier: string,
) {
  const names = tiers.map((t) => t.name);
  const total = counts.reduce((s, c) => s + c.n, 0);
  const shadowed = outcomes.filter((o) => o.shadow);
  const live = outcomes.filter((o) => !o.shadow);
  const tagsOf = (xs: ReadonlyArray<{ tags: readonly string[] | null }>) => [...new Set(xs.flatMap((x) => x.tags ?? []))].sort();
  const tags = tagsOf([...counts, ...shadowed]);
  const liveTags = tagsOf(live);
  const byTier = Object.fromEntries(
    names.map((t) => [
      t,
      summarise(
        counts.filter((c) => c.wouldBe === t),
        total,
        shadowed.filter((o) => o.routed === t),
        tiers,
        shadowTier,
      ),
    ]),
  );
  const byTag = Object.fromEntries(
    tags.map((tag) => [
      tag,
      summarise(
        counts.filter((c) => c.tags?.includes(tag)),
        total,
        shadowed.filter((o) => o.tags.includes(tag)),
        tiers,
        shadowTier,
      ),
    ]),
  );
  return {
    shadowTier,
    shadow: { ...summarise(counts, total, shadowed, tiers, shadowTier), byTier, byTag },
    live: {
      quality: qualityOf(live, names),
      byTier: Object.fromEntries(
        names.map((t) => [
          t,
          qualityOf(
            live.filter((o) => o.routed === t),
            names,
          ),
        ]),
      ),
      byTag: Object.fromEntries(
        liveTags.map((tag) => [
          tag,
          qualityOf(
            live.filter((o) => o.tags.includes(tag)),
            names,
          ),
        ]),
      ),
    },
  };
}
