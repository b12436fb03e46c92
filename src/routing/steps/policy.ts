import type { Verdict } from "../decision.js";
import type { DecisionContext, DecisionStep } from "../pipeline.js";

/**
 * A routing policy consulted before the cache and the vote (rules, per-request
 * limits): it may decide on its own by returning a verdict, or pass.
 */
export type Policy = (ctx: Readonly<DecisionContext>) => Verdict | undefined;

/** The first policy that decides wins; with none configured every query goes on to the vote. */
export function policyStep(policies: readonly Policy[]): DecisionStep {
  return {
    name: "policy",
    run(ctx) {
      for (const policy of policies) {
        const verdict = policy(ctx);
        if (verdict !== undefined) {
          ctx.verdict = verdict;
          return;
        }
      }
    },
  };
}
