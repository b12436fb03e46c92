import type { SettleStep } from "../pipeline.js";

export interface ShadowOptions {
  /** Shadow mode for requests that do not say. */
  enabled: boolean;
  /** The tier answered in shadow mode (one this router offers). */
  tier: string;
}

/**
 * Shadow mode (label collection): the answer becomes the fixed shadow tier,
 * with reason "shadow", while what routing would have answered (its verdict,
 * after rules and the session floor) is kept for the decision log and shown
 * as `shadowOf`. It settles after the cache record (the cache keeps the
 * routed verdict) and before the caller's own limits, which still win: a
 * maxTier or a budget bounds the shadow answer too (constrainedBy says so).
 */
export function shadowStep(options: ShadowOptions): SettleStep {
  return {
    name: "shadow",
    run(ctx) {
      if (!(ctx.request.shadow ?? options.enabled)) return;
      const verdict = ctx.verdict;
      ctx.wouldBe = { ...verdict, tier: ctx.tier };
      ctx.verdict = { ...verdict, reason: "shadow" };
      ctx.tier = options.tier;
      ctx.constrainedBy = undefined;
      ctx.rule = undefined;
    },
  };
}
