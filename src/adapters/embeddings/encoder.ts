import { inSpan } from "../../base/util/spans.js";

/**
 * An embedding model that runs in-process. Implementations load lazily and
 * cache the *promise* of the load, so concurrent first calls load once.
 */
export interface Encoder {
  /** Stable identifier of the model and its preprocessing; part of every cache key. */
  readonly modelId: string;
  /** Length of every vector returned by embed(); valid once load() has resolved. */
  readonly dimensions: number;
  /**
   * Longest input, in characters, that the model reads. Callers truncate to it
   * so a huge query costs a bounded forward pass and is still routed.
   */
  readonly maxInputChars: number;
  /** Idempotent; resolves when the model can embed. */
  load(): Promise<void>;
  /** One L2-normalised vector per text, in input order. Calls load() itself. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
  /** Releases what the model holds (a worker thread) once the pass in progress is done; at shutdown. */
  close?(): Promise<void>;
}

export interface EmbedOptions {
  /**
   * "interactive" (default): a request is waiting, e.g. a query to route.
   * "batch": the items of a batch request, which yield the model to interactive work.
   * "bulk": curation and index builds, which yield the model to both.
   */
  priority?: EmbedPriority;
  /**
   * Aborted once nobody waits for the vectors any more (the request has
   * answered, or its client has gone): texts still queued are dropped, and
   * embed() rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

export type EmbedPriority = "interactive" | "batch" | "bulk";

/** Scales a vector to unit length in place; a zero vector stays zero. */
export function normalizeInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}

/**
 * An encoder that is `inner` in every respect but embed(): for decorators
 * (metrics, counting in tests). Getters, because dimensions is only known
 * once the inner model has loaded.
 */
export function withEmbed(inner: Encoder, embed: Encoder["embed"]): Encoder {
  return {
    get modelId() {
      return inner.modelId;
    },
    get dimensions() {
      return inner.dimensions;
    },
    get maxInputChars() {
      return inner.maxInputChars;
    },
    load: () => inner.load(),
    embed,
    close: async () => inner.close?.(),
  };
}

/**
 * Each embed() call in an `embed` span (docs/operations.md#tracing): the
 * outermost encoder, so the span sits in the trace of whoever asked, and
 * covers the wait in the model's lanes and micro-batches as well as the
 * forward pass (several callers may share one pass).
 */
export function traceEncoder(inner: Encoder): Encoder {
  return withEmbed(inner, (texts, options) =>
    inSpan("embed", { "tierline.embed.texts": texts.length, "tierline.embed.priority": options?.priority ?? "interactive" }, () => inner.embed(texts, options)),
  );
}

/**
 * Base of the encoders that wrap another one and change only how embed()
 * runs (micro-batching, the priority lane): everything else is the inner
 * model's. Getters, because dimensions is only known once it has loaded.
 */
export abstract class EncoderDecorator implements Encoder {
  constructor(protected readonly inner: Encoder) {}

  get modelId(): string {
    return this.inner.modelId;
  }

  get dimensions(): number {
    return this.inner.dimensions;
  }

  get maxInputChars(): number {
    return this.inner.maxInputChars;
  }

  load(): Promise<void> {
    return this.inner.load();
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }

  abstract embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
}
