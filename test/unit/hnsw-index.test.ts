import { describe, expect, it } from "vitest";
import { normalizeInPlace } from "../../src/adapters/embeddings/encoder.js";
import { BruteForceIndex } from "../../src/adapters/vector-index/brute-force-index.js";
import { HnswIndex } from "../../src/adapters/vector-index/hnsw-index.js";

function randomVectors(count: number, dims: number, seed: number): Float32Array[] {
  let s = seed;
  const next = () => {
    s = (s * 1664525 + 1013904223) % 2 ** 32;
    return s / 2 ** 32 - 0.5;
  };
  return Array.from({ length: count }, () => normalizeInPlace(Float32Array.from({ length: dims }, next)));
}

const options = { M: 16, efConstruction: 200, ef: 200 };

describe("HnswIndex", () => {
  it("matches exact search with recall@10 >= 0.99 at the default ef", () => {
    const dims = 64;
    const data = randomVectors(3000, dims, 7);
    const hnsw = new HnswIndex(dims, { ...options, initialCapacity: 64 });
    const exact = new BruteForceIndex(dims);
    data.forEach((v, i) => {
      hnsw.upsert(i + 1, v);
      exact.upsert(i + 1, v);
    });
    let found = 0;
    const queries = randomVectors(200, dims, 99);
    for (const q of queries) {
      const truth = new Set(exact.search(q, 10).map((h) => h.id));
      found += hnsw.search(q, 10).filter((h) => truth.has(h.id)).length;
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.99);
    expect(hnsw.size).toBe(3000);
  });

  it("reports cosine similarity, not distance", () => {
    const idx = new HnswIndex(3, options);
    idx.upsert(1, normalizeInPlace(Float32Array.from([1, 0, 0])));
    idx.upsert(2, normalizeInPlace(Float32Array.from([0, 1, 0])));
    const hits = idx.search(normalizeInPlace(Float32Array.from([1, 0, 0])), 2);
    expect(hits[0]).toEqual({ id: 1, similarity: expect.closeTo(1, 6) });
    expect(hits[1]!.similarity).toBeCloseTo(0, 6);
  });

  it("removes, replaces and reuses deleted slots without growing", () => {
    const idx = new HnswIndex(3, { ...options, initialCapacity: 16 });
    const v = (x: number, y: number, z: number) => normalizeInPlace(Float32Array.from([x, y, z]));
    idx.upsert(1, v(1, 0, 0));
    idx.upsert(2, v(0, 1, 0));
    expect(idx.remove(1)).toBe(true);
    expect(idx.remove(1)).toBe(false);
    expect(idx.search(v(1, 0, 0), 5).map((h) => h.id)).toEqual([2]);
    idx.upsert(3, v(1, 0.1, 0));
    expect(idx.search(v(1, 0, 0), 1)[0]!.id).toBe(3);
    idx.upsert(2, v(0, 0, 1)); // move id 2
    expect(idx.search(v(0, 0, 1), 1)[0]).toMatchObject({ id: 2, similarity: expect.closeTo(1, 5) });
    expect(idx.size).toBe(2);
  });

  it("grows past its initial capacity", () => {
    const idx = new HnswIndex(8, { ...options, initialCapacity: 16 });
    const data = randomVectors(100, 8, 3);
    data.forEach((v, i) => idx.upsert(i, v));
    expect(idx.size).toBe(100);
    expect(idx.search(data[42]!, 1)[0]!.id).toBe(42);
  });

  it("returns fewer than k hits when the index is small, and none when empty", () => {
    const idx = new HnswIndex(4, options);
    expect(idx.search(normalizeInPlace(Float32Array.from([1, 0, 0, 0])), 5)).toEqual([]);
    idx.upsert(1, normalizeInPlace(Float32Array.from([1, 0, 0, 0])));
    expect(idx.search(normalizeInPlace(Float32Array.from([1, 0, 0, 0])), 5)).toHaveLength(1);
  });

  it("rejects vectors of the wrong dimension", () => {
    const idx = new HnswIndex(4, options);
    expect(() => idx.upsert(1, new Float32Array(3))).toThrow(/3 dimensions, index expects 4/);
  });
});
