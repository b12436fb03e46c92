import type { Encoder } from "../../../adapters/embeddings/encoder.js";
import { normalizeQuery } from "../../../base/text/normalize.js";
import type { ExemplarIndex, Neighbor } from "../../../adapters/vector-index/exemplar-index.js";

/** Texts embedded in the bulk lane (routing goes first), then searched in the live index. */
export async function neighborhoodsOf(
  texts: readonly string[],
  encoder: Encoder,
  index: ExemplarIndex,
  depth: number,
): Promise<{ vectors: Float32Array[]; neighbors: Neighbor[][] }> {
  if (texts.length === 0) return { vectors: [], neighbors: [] };
  const vectors = await encoder.embed(texts.map(normalizeQuery), { priority: "bulk" });
  return { vectors, neighbors: vectors.map((v) => index.search(v, depth)) };
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

/**
 * Leader clustering of unit vectors: each joins the first cluster whose
 * leader is at least `threshold` similar, or leads a new one. One pass,
 * order-dependent, good enough to group near-duplicates for a curator.
 */
export function leaderClusters(vectors: readonly Float32Array[], threshold: number): number[][] {
  const clusters: number[][] = [];
  for (const [i, v] of vectors.entries()) {
    const home = clusters.find((c) => cosine(vectors[c[0]!]!, v) >= threshold);
    if (home) home.push(i);
    else clusters.push([i]);
  }
  return clusters;
}
