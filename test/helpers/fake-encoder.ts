import { createHash } from "node:crypto";
import type { Encoder } from "../../src/adapters/embeddings/encoder.js";
import { normalizeInPlace } from "../../src/adapters/embeddings/encoder.js";

/**
 * Deterministic stand-in for unit tests: a bag of hashed words, so texts that
 * share words are similar. `vectors` pins exact vectors for chosen texts.
 */
export function createFakeEncoder(options: { dimensions?: number; vectors?: Record<string, number[]>; failOn?: string } = {}): Encoder & {
  calls: number;
} {
  const dimensions = options.dimensions ?? 32;
  const encoder = {
    modelId: `fake-${dimensions}`,
    dimensions,
    maxInputChars: 200,
    calls: 0,
    async load() {},
    async embed(texts: readonly string[]) {
      encoder.calls++;
      return texts.map((text) => {
        if (options.failOn !== undefined && text.includes(options.failOn)) throw new Error("fake encoder failure");
        const pinned = options.vectors?.[text];
        if (pinned) return normalizeInPlace(Float32Array.from(pinned));
        const v = new Float32Array(dimensions);
        for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
          const h = createHash("sha256").update(word).digest();
          v[h[0]! % dimensions]! += 1;
          v[h[1]! % dimensions]! += 0.5;
        }
        return normalizeInPlace(v);
      });
    },
  };
  return encoder;
}

/** A unit vector along axis i (mixed with axis j by weight w). */
export function axis(dimensions: number, i: number, j?: number, w = 0): number[] {
  const v = new Array<number>(dimensions).fill(0);
  v[i] = 1;
  if (j !== undefined) v[j] = w;
  return v;
}
