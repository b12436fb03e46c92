import { EncoderDecorator, type EmbedOptions, type Encoder } from "./encoder.js";

interface Job {
  texts: readonly string[];
  options?: EmbedOptions;
  resolve: (vectors: Float32Array[]) => void;
  reject: (err: unknown) => void;
}

/**
 * One model, one forward pass at a time, interactive work first. Bulk calls
 * (imports, replica catch-ups, index builds) are cut into small slices, and a
 * query that arrives while a slice runs goes next, so a 10,000-line import
 * delays a routed query by at most one slice (a few milliseconds), instead
 * of competing for the cores with a long bulk forward pass.
 */
export class PriorityEncoder extends EncoderDecorator {
  private readonly interactive: Job[] = [];
  private readonly bulk: Job[] = [];
  private running = false;
  /** Interactive jobs run since the last bulk slice: past `bulkEvery`, a waiting slice goes next. */
  private sinceBulk = 0;

  constructor(
    inner: Encoder,
    /** Texts per bulk slice. */
    private readonly bulkSlice: number,
    /** Under saturating traffic, one bulk slice after this many interactive jobs, so curation is slowed, never starved. */
    private readonly bulkEvery = 8,
  ) {
    super(inner);
  }

  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
    if (texts.length === 0) return Promise.resolve([]);
    if (options?.priority !== "bulk") return this.enqueue(this.interactive, texts, options);
    // Slices are queued one after another, so interactive jobs can slip in between them.
    const slices: Promise<Float32Array[]>[] = [];
    for (let i = 0; i < texts.length; i += this.bulkSlice) slices.push(this.enqueue(this.bulk, texts.slice(i, i + this.bulkSlice), options));
    return Promise.all(slices).then((parts) => parts.flat());
  }

  private enqueue(queue: Job[], texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      queue.push({ texts, options, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const bulkTurn = this.bulk.length > 0 && (this.interactive.length === 0 || this.sinceBulk >= this.bulkEvery);
        const job = bulkTurn ? this.bulk.shift() : this.interactive.shift();
        if (job === undefined) return;
        this.sinceBulk = bulkTurn ? 0 : this.sinceBulk + 1;
        try {
          job.resolve(await this.inner.embed(job.texts, job.options));
        } catch (err) {
          job.reject(err);
        }
        // Between bulk slices, let parsed requests reach the queue before the next pick.
        if (this.interactive.length === 0 && this.bulk.length > 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.running = false;
    }
  }
}
