import { EncoderDecorator, type EmbedOptions, type Encoder } from "./encoder.js";

export interface BatchingOptions {
  /** Most texts per forward pass. */
  maxBatch: number;
  /**
   * Longest a text waits for company when the model is idle, ms. 0: a lone
   * text goes at once, and whatever arrives while it runs goes together next.
   */
  maxWaitMs: number;
}

interface Pending {
  text: string;
  signal?: AbortSignal;
  resolve: (v: Float32Array) => void;
  reject: (e: unknown) => void;
}

/**
 * Micro-batching: concurrent embed calls share one forward pass. While a
 * batch runs, new texts queue and go together in the next one, so under load
 * batches grow by themselves; when idle a text waits at most maxWaitMs (0: none).
 * Results are per text, so a caller never sees another caller's vectors; if
 * a batch fails, its texts are retried alone so only the bad one fails. A
 * text whose caller's signal aborts leaves the queue at once, and a batch
 * already handed to the lane leaves it once all its callers have.
 */
export class BatchingEncoder extends EncoderDecorator {
  private queue: Pending[] = [];
  private running = false;
  private scheduled = false;

  constructor(
    inner: Encoder,
    private readonly options: BatchingOptions,
  ) {
    super(inner);
  }

  async embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
    // Batch and bulk callers come batched and are sliced by the lane below; don't split or delay them.
    if ((options?.priority ?? "interactive") !== "interactive" || texts.length >= this.options.maxBatch) return this.inner.embed(texts, options);
    const signal = options?.signal;
    if (signal?.aborted) throw signal.reason;
    const mine: Pending[] = [];
    const results = texts.map((text) => new Promise<Float32Array>((resolve, reject) => mine.push({ text, signal, resolve, reject })));
    this.queue.push(...mine);
    const drop = () => {
      this.queue = this.queue.filter((p) => !mine.includes(p));
      for (const p of mine) p.reject(signal!.reason);
    };
    signal?.addEventListener("abort", drop, { once: true });
    this.schedule();
    try {
      return await Promise.all(results);
    } finally {
      signal?.removeEventListener("abort", drop);
    }
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    // Idle model, one text, no wait configured: run it now. Waiting a turn for company that is not there cost a
    // lone query 0.2 ms (issue 22); under load batches still form, from what queues while this one runs.
    if (this.queue.length >= this.options.maxBatch || (this.options.maxWaitMs <= 0 && this.queue.length === 1)) {
      void this.runBatch();
      return;
    }
    this.scheduled = true;
    const fire = () => {
      this.scheduled = false;
      void this.runBatch();
    };
    // setImmediate lets requests already parsed in this turn join; a timer bounds the wait otherwise.
    if (this.options.maxWaitMs <= 0) setImmediate(fire);
    else setTimeout(fire, this.options.maxWaitMs);
  }

  private async runBatch(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.queue.splice(0, this.options.maxBatch);
    // Once every caller of this micro-batch has given up, it leaves the lane below too.
    const allGone = new AbortController();
    let waiting = batch.length;
    const leave = () => {
      if (--waiting === 0) allGone.abort(new Error("every caller of this micro-batch has gone"));
    };
    for (const p of batch) p.signal?.addEventListener("abort", leave, { once: true });
    try {
      const vectors = await this.inner.embed(
        batch.map((p) => p.text),
        { signal: allGone.signal },
      );
      batch.forEach((p, i) => p.resolve(vectors[i]!));
    } catch (err) {
      if (batch.length === 1) batch[0]!.reject(err);
      // One text the model cannot handle must not fail its neighbors: retry them one by one (not those nobody waits for).
      else for (const p of batch) if (!p.signal?.aborted) await this.inner.embed([p.text]).then(([v]) => p.resolve(v!), p.reject);
    } finally {
      for (const p of batch) p.signal?.removeEventListener("abort", leave);
      this.running = false;
      // Whatever queued meanwhile goes next, without waiting: it has waited already.
      if (this.queue.length > 0) void this.runBatch();
    }
  }
}
