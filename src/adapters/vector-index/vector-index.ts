/** A nearest-neighbor hit. Similarity is cosine similarity in [-1, 1], larger is closer. */
export interface VectorHit {
  id: number;
  similarity: number;
}

/**
 * Approximate nearest-neighbor search over unit vectors, keyed by exemplar id.
 * Derived state: it can always be rebuilt from the database.
 */
export interface VectorIndex {
  readonly dimensions: number;
  /** Live (not deleted) vectors. */
  readonly size: number;
  /** Adds or replaces the vector stored under id. */
  upsert(id: number, vector: Float32Array): void;
  /** Removes id if present; returns whether it was present. */
  remove(id: number): boolean;
  has(id: number): boolean;
  /** Up to k hits, most similar first. */
  search(vector: Float32Array, k: number): VectorHit[];
}

/** An index that can be written to a file and read back, so a warm start skips rebuilding it. */
export interface PersistentVectorIndex extends VectorIndex {
  /** The ids not deleted: stored beside the graph, which keeps deleted slots too. */
  liveIds(): number[];
  save(file: string): void;
}

export function isPersistent(index: VectorIndex): index is PersistentVectorIndex {
  return typeof (index as Partial<PersistentVectorIndex>).save === "function" && typeof (index as Partial<PersistentVectorIndex>).liveIds === "function";
}

/** Makes an empty index of the configured kind with room for `capacity` vectors (it grows past that). */
export type VectorIndexFactory = (dimensions: number, capacity: number) => VectorIndex;
