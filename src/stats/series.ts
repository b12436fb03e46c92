import type { TierConfig } from "../config/config-schema.js";
import { isFallback } from "../routing/decision.js";
import type { BucketGroup } from "./stats-repository.js";

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
 * One point per hour or day that saw traffic, in time order: the tier mix,
 * cache hits, fallback reasons and the estimated savings of that bucket.
 * Buckets without traffic are absent (a chart fills them in).
 */
export function seriesFrom(groups: readonly BucketGroup[], tiers: readonly TierConfig[]): SeriesPoint[] {
  const price = new Map(tiers.map((t) => [t.name, t.pricePer1MTokens]));
  const top = Math.max(...tiers.map((t) => t.pricePer1MTokens));
  const points = new Map<string, SeriesPoint & { cost: number; fallbacks: number }>();
  for (const g of groups) {
    let p = points.get(g.start);
    if (p === undefined) {
      p = { start: g.start, requests: 0, hits: 0, hitRate: 0, tiers: Object.fromEntries(tiers.map((t) => [t.name, 0])), reasons: {}, fallbackRate: 0, relativeCost: 0, savings: 0, cost: 0, fallbacks: 0 };
      points.set(g.start, p);
    }
    p.requests += g.count;
    if (g.cached) p.hits += g.count;
    p.tiers[g.tier] = (p.tiers[g.tier] ?? 0) + g.count;
    p.reasons[g.reason] = (p.reasons[g.reason] ?? 0) + g.count;
    if (isFallback(g.reason)) p.fallbacks += g.count;
    // A tier no longer configured is priced as the most expensive one: savings are never overstated.
    p.cost += g.count * (price.get(g.tier) ?? top);
  }
  return [...points.values()].map(({ cost, fallbacks, ...p }) => {
    const relativeCost = rate(cost, p.requests * top);
    return { ...p, hitRate: rate(p.hits, p.requests), fallbackRate: rate(fallbacks, p.requests), relativeCost, savings: p.requests === 0 ? 0 : 1 - relativeCost };
  });
}
