import type { Database } from "../../adapters/db/client.js";
import type { TierConfig } from "../../base/config/config-schema.js";
import type { DatabaseGuard } from "../../adapters/db/database-guard.js";
import { isFallback } from "../../routing/decision.js";
import { settlesWithin } from "../../base/util/timeout.js";
import type { StatsRecorder } from "./stats-recorder.js";
import { estimatedCost, seriesFrom } from "./series.js";
import { distinctKeysBetween, statsBetween, statsByBucket, type StatsGroup } from "./stats-repository.js";
import { unusedTierWarnings, type TierReachability } from "../../routing/reachability.js";

export interface Window {
  from: Date;
  to: Date;
}

const FLUSH_WAIT_MS = 300;
const rate = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
const sum = (groups: readonly StatsGroup[], pick: (g: StatsGroup) => boolean = () => true) => groups.reduce((n, g) => (pick(g) ? n + g.count : n), 0);

/**
 * Answers the analysts' questions from routing_stats and decision_cache.
 * Pending in-memory counts (and cache rows) are flushed first so a just-routed query shows up.
 */
export class StatsService {
  constructor(
    private readonly db: Database,
    /** The statistics live in the database: a lost or slow one is a bounded 503 (DatabaseUnavailableError), anything else a fault. */
    private readonly guard: DatabaseGuard,
    private readonly recorder: StatsRecorder,
    private readonly tiers: readonly TierConfig[],
    private readonly currency: string,
    /** Writes pending cache rows too, so distinct keys include just-routed queries. */
    private readonly flushCache: () => Promise<void> = async () => {},
    /** Tiers the decision rule can never choose as configured now (routing/reachability.ts). */
    private readonly unreachable: () => TierReachability[] = () => [],
  ) {}

  /**
   * Pending counts are flushed first so a just-routed query shows up, but
   * for at most FLUSH_WAIT_MS: under heavy traffic the buffers hold
   * thousands of rows, and an analyst's question must not wait on them (it
   * then sees counts up to a second old).
   */
  private async read<T>(query: (db: Database) => Promise<T>): Promise<T> {
    await settlesWithin(Promise.all([this.recorder.flush(), this.flushCache()]), FLUSH_WAIT_MS);
    return this.guard.run("not_applied", () => query(this.db));
  }

  async cache(window: Window, tier?: string) {
    const [all, distinctKeys] = await this.read((db) => Promise.all([statsBetween(db, window.from, window.to), distinctKeysBetween(db, window.from, window.to, tier)]));
    const groups = tier === undefined ? all : all.filter((g) => g.tier === tier);
    const requests = sum(groups);
    const hits = sum(groups, (g) => g.cached);
    const byTier: Record<string, { requests: number; hits: number; misses: number; hitRate: number }> = {};
    for (const t of this.tiers) {
      if (tier !== undefined && t.name !== tier) continue;
      const r = sum(groups, (g) => g.tier === t.name);
      const h = sum(groups, (g) => g.tier === t.name && g.cached);
      byTier[t.name] = { requests: r, hits: h, misses: r - h, hitRate: rate(h, r) };
    }
    return {
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      tier: tier ?? null,
      requests,
      hits,
      misses: requests - hits,
      hitRate: rate(hits, requests),
      distinctKeys,
      byTier,
      droppedDecisions: this.recorder.dropped,
    };
  }

  async routing(window: Window, profile?: string) {
    const groups = await this.read((db) => statsBetween(db, window.from, window.to, profile));
    const requests = sum(groups);
    const tierMix: Record<string, { requests: number; share: number }> = {};
    for (const t of this.tiers) {
      const n = sum(groups, (g) => g.tier === t.name);
      tierMix[t.name] = { requests: n, share: rate(n, requests) };
    }
    const reasons: Record<string, number> = {};
    for (const g of groups) reasons[g.reason] = (reasons[g.reason] ?? 0) + g.count;
    const byProfile: Record<string, { requests: number; share: number; spend: number; saved: number }> = {};
    for (const g of groups) {
      const p = (byProfile[g.profile] ??= { requests: 0, share: 0, spend: 0, saved: 0 });
      p.requests += g.count;
      p.spend += g.cost;
      p.saved += g.costIfMostCapable - g.cost;
    }
    for (const p of Object.values(byProfile)) p.share = rate(p.requests, requests);
    return {
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      profile: profile ?? null,
      requests,
      cacheHitRate: rate(
        sum(groups, (g) => g.cached),
        requests,
      ),
      tierMix,
      reasons,
      fallbackRate: rate(
        sum(groups, (g) => isFallback(g.reason)),
        requests,
      ),
      lowMarginFallbackRate: rate(reasons.low_margin_fallback ?? 0, requests),
      // A drift signal: the share of queries unlike anything the router was calibrated on.
      outOfDistributionRate: rate(reasons.out_of_distribution ?? 0, requests),
      ruleRate: rate(reasons.rule ?? 0, requests),
      estimatedCost: estimatedCost(groups, this.tiers, this.currency),
      byProfile,
      droppedDecisions: this.recorder.dropped,
      unusedTiers: Object.entries(tierMix).flatMap(([tier, m]) => (requests > 0 && m.requests === 0 ? [tier] : [])),
      warnings: [...this.unreachable().map((u) => `tier "${u.tier}" is unreachable: ${u.why}`), ...unusedTierWarnings(tierMix, requests)],
    };
  }

  /** Hourly or daily points over the window, for charts (console, reports). */
  async series(window: Window, bucket: "hour" | "day") {
    const groups = await this.read((db) => statsByBucket(db, window.from, window.to, bucket));
    return { from: window.from.toISOString(), to: window.to.toISOString(), bucket, tiers: this.tiers.map((t) => t.name), points: seriesFrom(groups, this.tiers) };
  }
}
