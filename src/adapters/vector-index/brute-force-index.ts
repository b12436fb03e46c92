import type { VectorHit, VectorIndex } from "./vector-index.js";

/**
 * Exact search by scanning every vector. The reference for recall checks and
 * benchmarks; fine in production below a few thousand exemplars too.
 * Vectors are expected to be unit length (the Encoder contract).
 */
export class BruteForceIndex implements VectorIndex {
  private readonly vectors = new Map<number, Float32Array>();

  constructor(readonly dimensions: number) {}

  get size(): number {
    return this.vectors.size;
  }

  has(id: number): boolean {
    return this.vectors.has(id);
  }

  upsert(id: number, vector: Float32Array): void {
    if (vector.length !== this.dimensions) {
      throw new RangeError(`vector has ${vector.length} dimensions, index expects ${this.dimensions}`);
    }
    this.vectors.set(id, vector);
  }

  remove(id: number): boolean {
    return this.vectors.delete(id);
  }

  search(vector: Float32Array, k: number): VectorHit[] {
    const hits: VectorHit[] = [];
    for (const [id, v] of this.vectors) hits.push({ id, similarity: dot(vector, v) });
    hits.sort((a, b) => b.similarity - a.similarity || a.id - b.id);
    return hits.slice(0, k);
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
