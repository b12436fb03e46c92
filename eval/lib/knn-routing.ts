import type { Config } from "../../src/base/config/config-schema.js";
import type { Neighbor } from "../../src/adapters/vector-index/exemplar-index.js";
import { ExemplarIndex } from "../../src/adapters/vector-index/exemplar-index.js";
import { voteOnNeighbors } from "../../src/routing/vote.js";
import { HnswIndex } from "../../src/adapters/vector-index/hnsw-index.js";

/** The three values calibration tunes; the rest of the vote comes from config. */
export interface RoutingParams {
  k: number;
  margin: number;
  minSimilarity: number;
}

export interface TierSetup {
  /** Tier names, cheapest first. */
  tiers: readonly string[];
  fallbackTier: string;
}

export interface LabelledVector {
  tier: string;
  text: string;
  vector: Float32Array;
}

/** An index built as the service builds it: HNSW with config.index, wrapped by ExemplarIndex. */
export function buildIndex(exemplars: readonly LabelledVector[], indexConfig: Pick<Config["index"], "M" | "efConstruction" | "ef">, dimensions: number): ExemplarIndex {
  const { M, efConstruction, ef } = indexConfig;
  const vectors = new HnswIndex(dimensions, { M, efConstruction, ef, initialCapacity: Math.max(1024, exemplars.length * 2) });
  const index = new ExemplarIndex(vectors, 1);
  exemplars.forEach((e, i) => index.put({ id: i + 1, tier: e.tier, text: e.text }, e.vector));
  return index;
}

/**
 * Each query's nearest `maxK` exemplars, searched once: any k ≤ maxK is then
 * a prefix, so sweeps and grids re-vote without searching again.
 */
export function searchAll(index: ExemplarIndex, queries: readonly Float32Array[], maxK: number): Neighbor[][] {
  return queries.map((v) => index.search(v, maxK));
}

/** The service's vote (voteOnNeighbors) on each query's first k neighbors. */
export function routeNeighbors(neighbors: readonly (readonly Neighbor[])[], params: RoutingParams, setup: TierSetup): string[] {
  const options = { tiers: setup.tiers, fallbackTier: setup.fallbackTier, margin: params.margin, minSimilarity: params.minSimilarity };
  return neighbors.map((n) => voteOnNeighbors(n.slice(0, params.k), options).tier);
}
