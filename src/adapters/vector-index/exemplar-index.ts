import { inSpan } from "../../base/util/spans.js";
import type { VectorIndex } from "./vector-index.js";

/** An exemplar near the query, with its tier: what the vote counts. */
export interface Neighbor {
  id: number;
  tier: string;
  text: string;
  similarity: number;
}

export interface IndexedExemplar {
  id: number;
  tier: string;
  text: string;
}

/**
 * The vector index plus what the vote needs to know about each hit (tier,
 * text), tagged with the exemplar revision it reflects.
 */
export class ExemplarIndex {
  private readonly exemplars = new Map<number, IndexedExemplar>();

  constructor(
    readonly vectors: VectorIndex,
    public revision: number,
  ) {}

  /** Attaches what the vote needs to a vector already in the index (loaded from a snapshot). */
  adopt(exemplar: IndexedExemplar): boolean {
    if (!this.vectors.has(exemplar.id)) return false;
    this.exemplars.set(exemplar.id, exemplar);
    return true;
  }

  get size(): number {
    return this.vectors.size;
  }

  /** Everything indexed, for fingerprints and snapshots. */
  entries(): IterableIterator<IndexedExemplar> {
    return this.exemplars.values();
  }

  has(id: number): boolean {
    return this.exemplars.has(id);
  }

  /** The tier this replica currently holds for an exemplar. */
  tierOf(id: number): string | undefined {
    return this.exemplars.get(id)?.tier;
  }

  countByTier(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const e of this.exemplars.values()) counts[e.tier] = (counts[e.tier] ?? 0) + 1;
    return counts;
  }

  put(exemplar: IndexedExemplar, vector: Float32Array): void {
    this.vectors.upsert(exemplar.id, vector);
    this.exemplars.set(exemplar.id, exemplar);
  }

  remove(id: number): boolean {
    this.exemplars.delete(id);
    return this.vectors.remove(id);
  }

  /** In an `index.search` span (docs/operations.md#tracing). */
  search(vector: Float32Array, k: number): Neighbor[] {
    return inSpan("index.search", { "tierline.index.k": k, "tierline.index.size": this.size }, () =>
      this.vectors.search(vector, k).flatMap((hit) => {
        const e = this.exemplars.get(hit.id);
        return e ? [{ id: hit.id, tier: e.tier, text: e.text, similarity: hit.similarity }] : [];
      }),
    );
  }
}

/**
 * The index the service routes with, or null while it is being built. Made
 * empty by the composition root and filled once at start, so everything that
 * needs the index can be built before it exists without reading a field that
 * is assigned later.
 */
export class ExemplarIndexRef {
  private index: ExemplarIndex | null = null;

  get(): ExemplarIndex | null {
    return this.index;
  }

  set(index: ExemplarIndex): void {
    this.index = index;
  }
}
