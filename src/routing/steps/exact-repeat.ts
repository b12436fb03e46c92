import { boundedTextHash } from "../../base/text/normalize.js";
import type { DecisionCache } from "../decision-cache.js";
import type { DecisionStep } from "../pipeline.js";

/**
 * Exact repeat: the text maps to a known embedding key whose verdict is
 * current, so the model (the only expensive step) is skipped. Not with
 * explain, which must recompute the neighbors.
 */
export function exactRepeatStep(cache: DecisionCache): DecisionStep {
  return {
    name: "exact-repeat",
    run(ctx) {
      ctx.textHash ??= boundedTextHash(ctx);
      if (ctx.request.explain) return;
      const hit = cache.get({ textHash: ctx.textHash }, ctx.revision);
      if (hit === undefined) return;
      ctx.key = hit.key;
      ctx.verdict = hit.verdict;
      ctx.cached = true;
    },
  };
}
