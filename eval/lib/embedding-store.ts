import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Encoder } from "../../src/adapters/embeddings/encoder.js";

/**
 * A file of embeddings for the evaluation tools, so sweeps, cross-validation
 * and calibration embed each text once per model, not once per run or fold.
 * One JSON line per vector, keyed by sha256(model id, NUL, exact text): the
 * text is hashed as given, because exemplars and queries are embedded in
 * different canonical forms (see routing-inputs.ts). Append-only: a run that
 * is interrupted keeps what it already embedded.
 */
export class EmbeddingStore {
  private readonly vectors = new Map<string, Float32Array>();

  private constructor(
    readonly file: string | null,
    readonly modelId: string,
  ) {}

  /** Opens (or starts) the store for one model; `file` null keeps it in memory only. */
  static open(file: string | null, modelId: string): EmbeddingStore {
    const store = new EmbeddingStore(file, modelId);
    if (file !== null && existsSync(file)) {
      for (const line of readFileSync(file, "utf8").split("\n")) {
        if (line.trim() === "") continue;
        try {
          const { key, vector } = JSON.parse(line) as { key: string; vector: string };
          store.vectors.set(key, decodeVector(vector));
        } catch {
          // A torn last line from an interrupted run: that text is embedded again.
        }
      }
    }
    return store;
  }

  get size(): number {
    return this.vectors.size;
  }

  keyOf(text: string): string {
    return createHash("sha256").update(this.modelId).update("\0").update(text).digest("hex");
  }

  get(text: string): Float32Array | undefined {
    return this.vectors.get(this.keyOf(text));
  }

  /**
   * Vectors for every text, in order. Only texts not stored yet are embedded
   * (in batches, appended to the file); progress counts those texts.
   */
  async embedAll(encoder: Encoder, texts: readonly string[], onProgress?: (done: number, total: number) => void, batchSize = 32): Promise<Float32Array[]> {
    if (encoder.modelId !== this.modelId) throw new Error(`store is for ${this.modelId}, encoder is ${encoder.modelId}`);
    const missing = [...new Set(texts)].filter((t) => !this.vectors.has(this.keyOf(t)));
    if (missing.length > 0 && this.file !== null) mkdirSync(path.dirname(this.file), { recursive: true });
    for (let i = 0; i < missing.length; i += batchSize) {
      onProgress?.(i, missing.length);
      const batch = missing.slice(i, i + batchSize);
      const vectors = await encoder.embed(batch);
      const lines = batch.map((text, j) => {
        const key = this.keyOf(text);
        this.vectors.set(key, vectors[j]!);
        return JSON.stringify({ key, vector: encodeVector(vectors[j]!) });
      });
      if (this.file !== null) appendFileSync(this.file, lines.join("\n") + "\n");
    }
    onProgress?.(missing.length, missing.length);
    return texts.map((t) => this.vectors.get(this.keyOf(t))!);
  }
}

/**
 * The encoder as the router sees it, answering from the store and embedding
 * (and storing) only what is missing, so the service's Router can run over a
 * labelled set without paying for the model again.
 */
export function storeBackedEncoder(store: EmbeddingStore, encoder: Encoder): Encoder {
  return {
    modelId: encoder.modelId,
    dimensions: encoder.dimensions,
    maxInputChars: encoder.maxInputChars,
    load: () => encoder.load(),
    embed: (texts) => store.embedAll(encoder, texts),
  };
}

/** Default location: one file per model under the data directory (git-ignored). */
export function embeddingStoreFile(dataDir: string, modelId: string): string {
  return path.resolve(dataDir, "eval-embeddings", `${modelId.replace(/[^A-Za-z0-9@._-]+/g, "_")}.jsonl`);
}

function encodeVector(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
}

function decodeVector(s: string): Float32Array {
  const bytes = Buffer.from(s, "base64");
  // Copy into a fresh, aligned buffer: Buffer pools may start at odd offsets.
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
