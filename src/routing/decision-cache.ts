import type { Verdict } from "./decision.js";

/**
 * What the router needs from a decision cache (implemented in cache/, wired
 * by the composition root): keys derived from embeddings, verdicts looked up
 * by key or by exact text, and every served verdict recorded.
 */
export interface DecisionCache {
  /** The cache key of an embedding. */
  keyFor(vector: Float32Array): string;
  /**
   * The verdict cached at this revision. With only `textHash`, an exact
   * repeat whose embedding key is remembered (the model is skipped); with
   * `key` too, the key is remembered for that text.
   */
  get(lookup: { textHash: string; key?: string }, revision: number): { key: string; verdict: Verdict } | undefined;
  /** Records a served verdict: `hit` when replayed from the cache, else a fresh computation to keep. */
  put(entry: { key: string; verdict: Verdict; hit: boolean; text: string }): void;
}
