import { applyGuards } from "../guards.js";
import { isOutOfDistribution, type OodOptions } from "../ood.js";
import { tallyVotes } from "../vote.js";
import type { Tally } from "../decision.js";

/** The three values the vote's calibration tunes. */
export interface KnnParams {
  k: number;
  margin: number;
  minSimilarity: number;
}

export interface KnnGrid {
  k: number[];
  minSimilarity: number[];
  /** Margins tried; each path walks them from 1 down. */
  margin: number[];
}

/** A labelled row: the tier it needed and its nearest exemplars (tier, similarity), most similar first. */
export interface LabelledNeighborhood {
  label: string;
  neighbors: ReadonlyArray<{ tier: string; similarity: number }>;
}

const margins = Array.from({ length: 101 }, (_, i) => i / 100);

/** The grid of `npm run calibrate` (eval/lib/strategies.ts defaultKnnGrid). */
export const defaultKnnGrid: KnnGrid = { k: [3, 5, 7, 9, 11, 15, 21, 31], minSimilarity: [0, 0.2, 0.3, 0.4], margin: margins };

/** Neighbors a row needs for every k of the grid. */
export const gridDepth = (grid: KnnGrid) => Math.max(...grid.k);

/** One path per (k, floor): margins from 1 (only unanimous votes stand) down to 0 (the plain vote). */
export function knnPaths(grid: KnnGrid): KnnParams[][] {
  const down = [...grid.margin].sort((a, b) => b - a);
  return grid.k.flatMap((k) => grid.minSimilarity.map((minSimilarity) => down.map((margin) => ({ k, margin, minSimilarity }))));
}

/**
 * Routes the rows with the service's own OOD guard, vote and guards at any
 * point (as eval/lib/strategies.ts knnRouter does); tallies are computed once per k.
 */
export function knnRouter(rows: readonly LabelledNeighborhood[], tiers: readonly string[], fallbackTier: string, ood?: OodOptions): (p: KnnParams) => string[] {
  const far = rows.map((r) => (ood ? isOutOfDistribution(r.neighbors, ood) : false));
  const tallies = new Map<number, Tally[]>();
  return (p) => {
    let t = tallies.get(p.k);
    if (!t) {
      t = rows.map((r) => tallyVotes(r.neighbors.slice(0, p.k), tiers));
      tallies.set(p.k, t);
    }
    return t.map((tally, i) => (far[i] ? fallbackTier : applyGuards(tally, { fallbackTier, margin: p.margin, minSimilarity: p.minSimilarity }).tier));
  };
}
