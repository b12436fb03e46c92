import { textHash } from "../../base/text/normalize.js";
import type { DecisionCache } from "../decision-cache.js";
import type { DecisionStep, SettleStep } from "../pipeline.js";

/**
 * Looks the embedding's key up. A hit decides, except under explain, where
 * it is held back until the neighbors have been recomputed.
 */
export function cacheLookupStep(cache: DecisionCache): DecisionStep {
  return {
    name: "cache-lookup",
    run(ctx) {
      ctx.key = cache.keyFor(ctx.vector!);
      const hit = cache.get({ textHash: (ctx.textHash ??= textHash(ctx.text)), key: ctx.key }, ctx.revision);
      if (hit === undefined) return;
      if (ctx.request.explain) {
        ctx.heldHit = hit.verdict;
        return;
      }
      ctx.verdict = hit.verdict;
      ctx.cached = true;
    },
  };
}

/** Writes what was served behind (hits are counted, fresh verdicts kept), unless there was nothing to key it by. */
export function cacheRecordStep(cache: DecisionCache): SettleStep {
  return {
    name: "cache-record",
    run(ctx) {
      // An empty index is no decision worth remembering; fallbacks before the embedding have no key.
      if (ctx.key === undefined || ctx.verdict.reason === "empty_index") return;
      cache.put({ key: ctx.key, verdict: ctx.verdict, hit: ctx.cached, text: ctx.text });
    },
  };
}
