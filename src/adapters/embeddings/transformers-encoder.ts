import { createHash } from "node:crypto";
import path from "node:path";
// Types only at the top: the library costs ~170 MB of RSS on import, so it is
// loaded on first use and a service on the default encoder never pays for it.
import type { DataType, FeatureExtractionPipeline, Tensor } from "@huggingface/transformers";

type Transformers = typeof import("@huggingface/transformers");
import type { Encoder } from "./encoder.js";

export interface TransformersEncoderOptions {
  /** Hub id (e.g. "Xenova/all-MiniLM-L6-v2"), or just a label when modelPath is set. */
  model: string;
  /** Local model directory (config.json, tokenizer.json, onnx/model*.onnx); never touches the network. */
  modelPath?: string;
  /** ONNX weight variant; picks onnx/model<suffix>.onnx. Wins over `quantized`. */
  dtype?: Exclude<DataType, "auto">;
  /** Shorthand: true = "q8" (onnx/model_quantized.onnx), false = "fp32". */
  quantized?: boolean;
  /** Where hub downloads are cached (transformers.js default: inside its package dir). */
  cacheDir?: string;
  /** false = use only modelPath or a copy already in cacheDir; default true. */
  allowRemote?: boolean;
  /** Texts per forward pass; bounds peak memory of padded batches. */
  batchSize?: number;
}

// English WordPiece averages ~4-5 chars per token; 6 leaves headroom so the
// char cut rarely bites before the token cut. It only bounds tokenizer work.
const CHARS_PER_TOKEN = 6;
const MAX_INPUT_CHARS_CAP = 16_384;
const FALLBACK_MAX_TOKENS = 512;

interface Loaded {
  lib: Transformers;
  extractor: FeatureExtractionPipeline;
  maxTokens: number;
  dimensions: number;
}

/** Where transformers.js should read the model from, and whether it may fetch it. */
function resolveSource(o: TransformersEncoderOptions, env: Transformers["env"]): { source: string; localOnly: boolean } {
  // An absolute path is not a valid hub id, so transformers.js reads it straight
  // from disk and can never fall back to a download. A bare id resolved via
  // env.localModelPath still asks the hub for any file missing locally, even
  // with local_files_only (the pipeline's file-list pre-flight ignores that
  // flag), unless the process-wide env.allowRemoteModels is switched off.
  if (o.modelPath !== undefined) return { source: path.resolve(o.modelPath), localOnly: true };
  // Offline hub model: transformers.js's file cache stores main-revision files
  // at <cacheDir>/<model id>/<file>, which is itself a loadable model directory.
  if (o.allowRemote === false) {
    const cacheDir = o.cacheDir ?? env.cacheDir;
    if (!cacheDir) throw new Error(`allowRemote is false and no cacheDir holds "${o.model}"`);
    return { source: path.resolve(cacheDir, o.model), localOnly: true };
  }
  return { source: o.model, localOnly: false };
}

function finiteOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}

export function createTransformersEncoder(options: TransformersEncoderOptions): Encoder {
  const dtype: Exclude<DataType, "auto"> = options.dtype ?? (options.quantized ? "q8" : "fp32");
  const batchSize = Math.max(1, options.batchSize ?? 32);
  let loading: Promise<Loaded> | undefined;
  let loaded: Loaded | undefined;
  const maxInputChars = () => Math.min((loaded?.maxTokens ?? FALLBACK_MAX_TOKENS) * CHARS_PER_TOKEN, MAX_INPUT_CHARS_CAP);

  async function forward(lib: Transformers, extractor: FeatureExtractionPipeline, texts: string[], maxTokens: number) {
    // Tokenize and pool here rather than via extractor(texts): the pipeline
    // truncates only to tokenizer_config's model_max_length, which many ONNX
    // exports omit, and then long inputs overflow the position embeddings.
    const inputs = extractor.tokenizer(texts, { padding: true, truncation: true, max_length: maxTokens });
    const outputs = (await extractor.model(inputs)) as { last_hidden_state: Tensor };
    const pooled = lib.mean_pooling(outputs.last_hidden_state, inputs.attention_mask as Tensor).normalize(2, -1);
    const [rows, dims] = pooled.dims as [number, number];
    const data = pooled.data as Float32Array;
    return Array.from({ length: rows }, (_, i) => data.slice(i * dims, (i + 1) * dims));
  }

  async function doLoad(): Promise<Loaded> {
    const lib = await import("@huggingface/transformers");
    const { source, localOnly } = resolveSource(options, lib.env);
    let extractor: FeatureExtractionPipeline;
    try {
      extractor = await lib.pipeline("feature-extraction", source, {
        dtype,
        device: "cpu",
        local_files_only: localOnly,
        ...(options.cacheDir !== undefined && !localOnly ? { cache_dir: options.cacheDir } : {}),
      });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`transformers encoder: cannot load "${options.model}" (${dtype}) from ${source}: ${reason}`, {
        cause: err,
      });
    }
    const config = extractor.model.config as { max_position_embeddings?: unknown };
    // Tokenizers often claim an "unlimited" 1e30 max length; the position table is the real limit.
    const maxTokens = Math.min(finiteOr(extractor.tokenizer.model_max_length, Number.POSITIVE_INFINITY), finiteOr(config.max_position_embeddings, FALLBACK_MAX_TOKENS));
    // A probe embedding gives the true output width (hidden_size is named
    // differently across architectures) and warms the ONNX session.
    const [probe] = await forward(lib, extractor, ["warm up"], maxTokens);
    return { lib, extractor, maxTokens, dimensions: probe!.length };
  }

  function ensureLoaded(): Promise<Loaded> {
    // Cache the promise so concurrent first callers share one load; drop it on
    // failure so a transient error (missing file, network) can be retried.
    loading ??= doLoad().then(
      (l) => (loaded = l),
      (err: unknown) => {
        loading = undefined;
        throw err;
      },
    );
    return loading;
  }

  return {
    // A local directory is identified by its path too: two directories given the same label
    // must never share stored vectors or cached decisions.
    modelId: options.modelPath
      ? `transformers:${options.model}:${dtype}@${createHash("sha256").update(path.resolve(options.modelPath)).digest("hex").slice(0, 12)}`
      : `transformers:${options.model}:${dtype}`,
    get dimensions() {
      return loaded?.dimensions ?? 0;
    },
    get maxInputChars() {
      return maxInputChars();
    },
    async load() {
      await ensureLoaded();
    },
    async embed(texts) {
      const { lib, extractor, maxTokens } = await ensureLoaded();
      const maxChars = maxInputChars();
      const vectors: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        const batch = texts.slice(i, i + batchSize).map((t) => (t.length > maxChars ? t.slice(0, maxChars) : t));
        vectors.push(...(await forward(lib, extractor, batch, maxTokens)));
      }
      return vectors;
    },
  };
}
