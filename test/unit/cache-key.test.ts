import { describe, expect, it } from "vitest";
import { embeddingCacheKey, quantizeEmbedding } from "../../src/stores/cache/cache-key.js";
import { normalizeQuery, textHash } from "../../src/base/text/normalize.js";
import { normalizeInPlace } from "../../src/adapters/embeddings/encoder.js";

function randomUnit(seed: number, dims = 512): Float32Array {
  let s = seed;
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    v[i] = s / 2 ** 31 - 0.5;
  }
  return normalizeInPlace(v);
}

describe("normalizeQuery", () => {
  it("collapses whitespace, trims and applies NFKC but keeps case", () => {
    expect(normalizeQuery("  What\tis \n\n the  ﬁle? ")).toBe("What is the file?");
    expect(normalizeQuery("US")).not.toBe(normalizeQuery("us"));
  });
});

describe("embeddingCacheKey", () => {
  it("is a sha256 hex digest, stable for the same vector", () => {
    const v = randomUnit(1);
    const key = embeddingCacheKey("m", v);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(embeddingCacheKey("m", Float32Array.from(v))).toBe(key);
  });

  it("ignores float noise far below the quantisation step", () => {
    const v = randomUnit(2);
    const noisy = v.map((x, i) => x + (i % 2 === 0 ? 1e-7 : -1e-7));
    expect(embeddingCacheKey("m", noisy)).toBe(embeddingCacheKey("m", v));
  });

  it("differs between different queries and between models", () => {
    const a = randomUnit(3);
    const b = randomUnit(4);
    expect(embeddingCacheKey("m", a)).not.toBe(embeddingCacheKey("m", b));
    expect(embeddingCacheKey("m1", a)).not.toBe(embeddingCacheKey("m2", a));
  });

  it("quantises to int8 with saturation", () => {
    expect(Array.from(quantizeEmbedding(Float32Array.from([1, -1, 0.5, 2, -3, 0.001])))).toEqual([127, -127, 64, 127, -127, 0]);
  });
});

describe("textHash", () => {
  it("treats texts equal after normalisation as the same", () => {
    expect(textHash("hello   world ")).toBe(textHash("hello world"));
    expect(textHash("hello world")).not.toBe(textHash("hello worlds"));
  });
});
