import type { Neighbor } from "../../adapters/vector-index/exemplar-index.js";

type Hit = Pick<Neighbor, "tier" | "similarity">;

/**
 * What the neighborhood says, at several k: each tier's share of the
 * similarity-weighted vote (as routing/vote.ts weighs it: negative
 * similarities count zero), how similar the nearest k are on average, and
 * how close the nearest exemplar of each tier is. The second stage learns
 * how far to trust the vote from these; a fixed margin cannot.
 *
 * `neighbors` must be sorted, most similar first, and hold at least max(ks)
 * hits when the index has that many exemplars.
 */
export function neighborFeatures(neighbors: readonly Hit[], tiers: readonly string[], ks: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ks) {
    const top = neighbors.slice(0, k);
    const weights = new Map(tiers.map((t) => [t, 0]));
    let total = 0;
    for (const n of top) {
      const w = Math.max(0, n.similarity);
      if (!weights.has(n.tier)) continue;
      weights.set(n.tier, weights.get(n.tier)! + w);
      total += w;
    }
    // The cheapest tier's share is 1 minus the others': leaving it out keeps the features independent.
    for (const tier of tiers.slice(1)) out[`knn.${k}.${tier}`] = total > 0 ? weights.get(tier)! / total : 0;
    out[`sim.mean.${k}`] = top.length === 0 ? 0 : top.reduce((s, n) => s + n.similarity, 0) / top.length;
  }
  const last = neighbors.length === 0 ? 0 : neighbors[neighbors.length - 1]!.similarity;
  out["sim.top1"] = neighbors[0]?.similarity ?? 0;
  // A tier with no exemplar among the hits is at most as close as the last hit.
  for (const tier of tiers) out[`sim.best.${tier}`] = neighbors.find((n) => n.tier === tier)?.similarity ?? last;
  return out;
}

/** Every neighbor feature name for these tiers and k values, in the order neighborFeatures fills them. */
export function neighborFeatureNames(tiers: readonly string[], ks: readonly number[]): string[] {
  return Object.keys(neighborFeatures([], tiers, ks));
}
