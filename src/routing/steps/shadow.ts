import type { DecisionStep } from "../pipeline.js";

export interface ShadowOptions {
  /** Shadow mode for requests that do not say. */
  enabled: boolean;
  /** The tier answered in shadow mode. */
  tier: string;
}

/**
 * Shadow mode (label collection): the answer is the fixed shadow tier, with
 * reason "shadow", while the verdict routing chose is kept for the decision
 * log (and shown as `shadowOf`). The last settling step, so the cache keeps
 * the routed verdict and later steps never see the shadow answer.
 */
export function shadowStep(options: ShadowOptions): DecisionStep {
  return {
    name: "shadow",
    run(ctx) {
      if (!(ctx.request.shadow ?? options.enabled)) return;
      ctx.wouldBe = ctx.verdict;
      ctx.verdict = { ...ctx.verdict!, tier: options.tier, reason: "shadow" };
    },
  };
}
