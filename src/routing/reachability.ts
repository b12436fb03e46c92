import type { SecondStageModel } from "./second-stage/model.js";

export interface TierReachability {
  tier: string;
  /** Why no query can reach it with this configuration. */
  why: string;
}

/**
 * Tiers the decision rule can never choose, from the configuration and the
 * exemplar counts alone: the vote reaches a tier only through its exemplars;
 * the second stage through its vote gate (with exemplars) or a risk
 * threshold above 0. The fallback tier is always reachable. A format-1
 * second stage (one downgrade cost) cannot be judged statically and counts
 * as reaching every tier. A configured tier that nothing reaches is money
 * the configuration promises and never saves: the service says so at start
 * and in /stats/routing.
 */
export function unreachableTiers(options: {
  tiers: readonly string[];
  fallbackTier: string;
  exemplarsByTier: Readonly<Record<string, number>>;
  secondStage?: Pick<SecondStageModel, "tiers" | "thresholds" | "voteGate">;
}): TierReachability[] {
  const { tiers, fallbackTier, exemplarsByTier, secondStage } = options;
  const out: TierReachability[] = [];
  for (const tier of tiers) {
    if (tier === fallbackTier) continue;
    const exemplars = (exemplarsByTier[tier] ?? 0) > 0;
    if (!secondStage) {
      if (!exemplars) out.push({ tier, why: `no exemplar is labelled "${tier}", so the vote never chooses it` });
      continue;
    }
    if (!secondStage.thresholds) continue;
    const position = secondStage.tiers.indexOf(tier);
    const threshold = position >= 0 ? (secondStage.thresholds[position] ?? 0) : 0;
    if (threshold > 0 || (secondStage.voteGate && exemplars)) continue;
    out.push({
      tier,
      why: secondStage.voteGate
        ? `no exemplar is labelled "${tier}" and the second stage's risk threshold for it is 0`
        : `the second stage's risk threshold for "${tier}" is 0 and it has no vote gate`,
    });
  }
  return out;
}

/** One warning sentence per tier that no decision reached in a window of traffic. */
export function unusedTierWarnings(tierMix: Readonly<Record<string, { requests: number }>>, requests: number): string[] {
  if (requests === 0) return [];
  return Object.entries(tierMix)
    .filter(([, m]) => m.requests === 0)
    .map(
      ([tier]) =>
        `tier "${tier}" received none of the ${requests} decisions in this window: the router never chose it (its exemplars, the second stage's thresholds, rules and limits decide that; calibrate on your own traffic: npm run calibrate -- --from-feedback)`,
    );
}
