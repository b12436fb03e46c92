import type { TierConfig } from "../../base/config/config-schema.js";
import { isFallback } from "../../routing/decision.js";
import type { BucketGroup, StatsGroup } from "./stats-repository.js";

export interface SeriesPoint {
  start: string;
  requests: number;
  hits: number;
  hitRate: number;
  tiers: Record<string, number>;
  reasons: Record<string, number>;
  fallbackRate: number;
  /** Estimated spend relative to sending every request to the most expensive tier (equal tokens per request assumed). */
  relativeCost: number;
  savings: number;
}

const rate = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

/**
 * Spend in money from the estimated input tokens of each request, against
 * the spend had every request gone to its profile's most capable tier.
 * Counts written before token estimates existed carry no cost; when a
 * window holds only those, the ratio is taken from request counts and tier
 * prices instead (equal tokens per request).
 */
export function estimatedCost(groups: readonly StatsGroup[], tiers: readonly TierConfig[], currency: string) {
  const spend = groups.reduce((n, g) => n + g.cost, 0);
  const spendIfMostCapable = groups.reduce((n, g) => n + g.costIfMostCapable, 0);
  const inputTokens = groups.reduce((n, g) => n + g.inputTokens, 0);
  const requests = groups.reduce((n, g) => n + g.count, 0);
  let relative = rate(spend, spendIfMostCapable);
  if (spendIfMostCapable === 0) {
    const price = new Map(tiers.map((t) => [t.name, t.pricePer1MTokens]));
    const top = Math.max(...tiers.map((t) => t.pricePer1MTokens));
    relative = rate(
      groups.reduce((n, g) => n + g.count * (price.get(g.tier) ?? top), 0),
      requests * top,
    );
  }
  return { relativeToAlwaysPremium: relative, savings: requests === 0 ? 0 : 1 - relative, spend, spendIfMostCapable, saved: spendIfMostCapable - spend, inputTokens, currency };
}

/**
 * One point per hour or day that saw traffic, in time order: the tier mix,
 * cache hits, fallback reasons and the estimated savings of that bucket.
 * Buckets without traffic are absent (a chart fills them in).
 */
export function seriesFrom(groups: readonly BucketGroup[], tiers: readonly TierConfig[]): SeriesPoint[] {
  const byStart = new Map<string, BucketGroup[]>();
  for (const g of groups) {
    const list = byStart.get(g.start) ?? [];
    list.push(g);
    byStart.set(g.start, list);
  }
  return [...byStart.entries()].map(([start, gs]) => {
    const requests = gs.reduce((n, g) => n + g.count, 0);
    const hits = gs.reduce((n, g) => n + (g.cached ? g.count : 0), 0);
    const tierCounts: Record<string, number> = Object.fromEntries(tiers.map((t) => [t.name, 0]));
    const reasons: Record<string, number> = {};
    for (const g of gs) {
      tierCounts[g.tier] = (tierCounts[g.tier] ?? 0) + g.count;
      reasons[g.reason] = (reasons[g.reason] ?? 0) + g.count;
    }
    const cost = estimatedCost(gs, tiers, "");
    const fallbacks = gs.reduce((n, g) => n + (isFallback(g.reason) ? g.count : 0), 0);
    return {
      start,
      requests,
      hits,
      hitRate: rate(hits, requests),
      tiers: tierCounts,
      reasons,
      fallbackRate: rate(fallbacks, requests),
      relativeCost: cost.relativeToAlwaysPremium,
      savings: cost.savings,
    };
  });
}
