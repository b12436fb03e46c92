import type { DecisionCache } from "../../routing/decision-cache.js";

/**
 * One cache shared by several routing profiles without mixing their
 * verdicts: a profile with its own vote settings decides differently for
 * the same embedding, so its keys (and remembered texts) carry its name.
 */
export function namespacedCache(cache: DecisionCache, namespace: string): DecisionCache {
  const ns = (s: string) => `${namespace}:${s}`;
  return {
    keyFor: (vector) => ns(cache.keyFor(vector)),
    get: (lookup, revision) => cache.get({ textHash: ns(lookup.textHash), key: lookup.key }, revision),
    put: (entry) => cache.put(entry),
  };
}
