import type { MatchedRule } from "../decision.js";
import { applyLimits, allowedTiers } from "../limits.js";
import type { DecisionStep, SettleStep } from "../pipeline.js";
import type { TierLadder } from "../tier-ladder.js";

/** Checks the request's limits before any work, so a contradiction is a 400 (InvalidLimitError), not a wasted forward pass. */
export function limitsCheckStep(ladder: TierLadder): DecisionStep {
  return {
    name: "limits-check",
    run(ctx) {
      if (ctx.request.limits) allowedTiers(ladder, ctx.request.limits);
    },
  };
}

/** minTier / maxTier actions of matched rules, applied to the router's answer in rule order. */
export function ruleBoundsStep(ladder: TierLadder): SettleStep {
  return {
    name: "rule-bounds",
    run(ctx) {
      for (const m of ctx.matchedRules) {
        const bounded = bound(ladder, ctx.tier, m);
        if (bounded !== ctx.tier) {
          ctx.tier = bounded;
          ctx.constrainedBy = "rule";
          ctx.rule = m.name;
        }
      }
    },
  };
}

function bound(ladder: TierLadder, tier: string, m: MatchedRule): string {
  if ("minTier" in m.action && ladder.rankOf(tier) < ladder.rankOf(m.action.minTier)) return m.action.minTier;
  if ("maxTier" in m.action && ladder.rankOf(tier) > ladder.rankOf(m.action.maxTier)) return m.action.maxTier;
  return tier;
}

/** The caller's own limits (minTier, maxTier, allowedTiers, budget), last: what the caller asks for wins. */
export function limitsStep(ladder: TierLadder): SettleStep {
  return {
    name: "limits",
    run(ctx) {
      if (!ctx.request.limits) return;
      const { tier, constrainedBy } = applyLimits(ladder, ctx.tier, ctx.request.limits, ctx.inputTokens);
      if (constrainedBy !== undefined) {
        ctx.tier = tier;
        ctx.constrainedBy = constrainedBy;
      }
    },
  };
}
