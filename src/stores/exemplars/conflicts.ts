import type { ExemplarIndex } from "../../adapters/vector-index/exemplar-index.js";
import type { VectorIndexFactory } from "../../adapters/vector-index/vector-index.js";
import { YIELD_EVERY, yieldToEventLoop } from "../../base/util/yield.js";
import type { ConflictDetail } from "./exemplar.js";

export interface ConflictCandidate {
  text: string;
  tier: string;
  vector: Float32Array;
  /** The exemplar being moved or edited, which must not conflict with itself. */
  selfId?: number;
}

/** Neighbors checked per candidate; conflicts are rare, so a handful suffices. */
const PROBE = 8;

/**
 * Near-identical texts in different tiers teach the vote nothing but noise.
 * Reports each candidate whose embedding is at least `threshold` similar to
 * an indexed exemplar, or to another candidate of the same batch, of a
 * different tier.
 */
export async function findConflicts(
  candidates: readonly ConflictCandidate[],
  index: ExemplarIndex,
  threshold: number,
  createScratchIndex: VectorIndexFactory,
): Promise<ConflictDetail[]> {
  const conflicts: ConflictDetail[] = [];
  // Within the batch: each candidate against the earlier ones, through a
  // scratch index so a 5,000-line import is not a quadratic scan.
  const batch = candidates.length > 1 ? createScratchIndex(candidates[0]!.vector.length, candidates.length) : null;
  for (const [i, c] of candidates.entries()) {
    if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
    const hit = index.search(c.vector, PROBE).find((n) => n.similarity >= threshold && n.tier !== c.tier && n.id !== c.selfId);
    if (hit) {
      conflicts.push({ text: c.text, tier: c.tier, conflictsWith: { id: hit.id, text: hit.text, tier: hit.tier, similarity: hit.similarity } });
    } else if (batch) {
      const twin = batch.search(c.vector, PROBE).find((n) => n.similarity >= threshold && candidates[n.id]!.tier !== c.tier);
      if (twin) {
        const other = candidates[twin.id]!;
        conflicts.push({ text: c.text, tier: c.tier, conflictsWith: { id: null, text: other.text, tier: other.tier, similarity: twin.similarity } });
      }
    }
    batch?.upsert(i, c.vector);
  }
  return conflicts;
}
