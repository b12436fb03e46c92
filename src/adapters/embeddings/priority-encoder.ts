import { EncoderDecorator, type EmbedOptions, type EmbedPriority, type Encoder } from "./encoder.js";
import { sliceByCount, sliceByWork } from "./slices.js";
import { BatchLaneFullError, DrainEstimate } from "./work-estimate.js";

/** Batch texts that may wait before the lane's pace has been measured: a few small batches side by side. */
const UNMEASURED_TEXTS = 32;

interface Job {
  texts: readonly string[];
  resolve: (vectors: Float32Array[]) => void;
  reject: (err: unknown) => void;
}

interface Lane {
  readonly jobs: Job[];
  /** Cuts a call into forward passes; unset: each call is one job (interactive calls come micro-batched already). */
  readonly cut?: (texts: readonly string[]) => string[][];
  /** Jobs of the lanes above run since this lane last ran. */
  since: number;
  /** Texts waiting in `jobs`. */
  queued: number;
}

export interface PriorityEncoderOptions {
  /** Texts per forward pass of bulk work (imports, replica catch-ups, index builds). */
  bulkSlice: number;
  /** Characters per forward pass of batch work (POST /route/batch), each text counted up to what the model reads. */
  batchSliceChars?: number;
  /** Under saturating traffic, a waiting slice of a lower lane runs after this many jobs of the lanes above it: slowed, never starved. */
  every?: number;
  /** Most batch work waiting, in estimated time to drain it (ms): a batch beyond it is refused (BatchLaneFullError) unless none waits. */
  maxBatchQueueMs?: number;
  /** Time source of the drain estimate (tests). */
  now?: () => number;
}

export interface LaneStats {
  /** Texts waiting, per lane. */
  queued: Record<EmbedPriority, number>;
  /** Texts dropped from the queues because their request had answered or its client had gone. */
  cancelled: number;
  /** Batch calls refused because the batch lane was full. */
  refused: number;
}

/**
 * One model, one forward pass at a time, in three lanes: interactive work
 * (a routed query) first, then batch items, then bulk work (imports,
 * replica catch-ups, index builds). Batch and bulk calls are cut into small
 * slices and a query that arrives while a slice runs goes next, so a 256-item
 * batch or a 10,000-line import delays a routed query by at most one slice.
 * The batch lane is bounded: a batch that would queue more than
 * maxBatchQueueMs of model work is refused at once rather than answered late.
 * A call whose signal aborts loses its queued slices, so work never outlives
 * the request that asked for it.
 */
export class PriorityEncoder extends EncoderDecorator {
  private readonly lanes: Record<EmbedPriority, Lane>;
  /** Highest priority first. */
  private readonly order: readonly Lane[];
  private readonly every: number;
  private readonly estimate: DrainEstimate;
  private running = false;
  private cancelled = 0;
  private refused = 0;

  constructor(
    inner: Encoder,
    private readonly options: PriorityEncoderOptions,
  ) {
    super(inner);
    const lane = (cut?: Lane["cut"]): Lane => ({ jobs: [], cut, since: 0, queued: 0 });
    this.lanes = {
      interactive: lane(),
      batch: lane((texts) => sliceByWork(texts, options.batchSliceChars ?? 8192, this.inner.maxInputChars)),
      bulk: lane((texts) => sliceByCount(texts, options.bulkSlice)),
    };
    this.order = [this.lanes.interactive, this.lanes.batch, this.lanes.bulk];
    this.every = options.every ?? 8;
    this.estimate = new DrainEstimate(options.now);
  }

  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
    if (texts.length === 0) return Promise.resolve([]);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const lane = this.lanes[options?.priority ?? "interactive"];
    if (lane === this.lanes.batch) {
      try {
        this.admitBatch(texts.length);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    // Slices are queued one after another, so interactive jobs can slip in between them.
    const jobs: Job[] = [];
    const parts = (lane.cut?.(texts) ?? [texts]).map((slice) => new Promise<Float32Array[]>((resolve, reject) => jobs.push({ texts: slice, resolve, reject })));
    lane.jobs.push(...jobs);
    lane.queued += texts.length;
    const drop = () => {
      for (const job of jobs) {
        const at = lane.jobs.indexOf(job);
        if (at < 0) continue;
        lane.jobs.splice(at, 1);
        lane.queued -= job.texts.length;
        this.cancelled += job.texts.length;
        job.reject(signal!.reason);
      }
      if (lane === this.lanes.batch && lane.queued === 0) this.estimate.idle();
    };
    signal?.addEventListener("abort", drop, { once: true });
    void this.drain();
    return Promise.all(parts)
      .then((vectors) => vectors.flat())
      .finally(() => signal?.removeEventListener("abort", drop));
  }

  /**
   * Throws BatchLaneFullError when a batch of this many texts would queue
   * more than maxBatchQueueMs of work behind what already waits, at the pace
   * the lane has drained lately. A batch is always taken when none waits;
   * before a first slice has shown the pace, only a few texts may wait
   * behind it. embed()
   * checks it for every batch call; callers may check earlier, before
   * preparing a batch for nothing.
   */
  admitBatch(texts: number): void {
    const { queued } = this.lanes.batch;
    if (queued === 0) return;
    const limit = this.options.maxBatchQueueMs ?? Infinity;
    const queuedMs = this.estimate.msFor(queued);
    // Before the pace is known, a few texts may wait: small batches side by side, never a pile of big ones.
    const fits = limit === Infinity || (this.estimate.measured ? queuedMs + this.estimate.msFor(texts) <= limit : limit > 0 && queued + texts <= UNMEASURED_TEXTS);
    if (fits) return;
    this.refused++;
    throw new BatchLaneFullError(queuedMs, limit);
  }

  stats(): LaneStats {
    const { interactive, batch, bulk } = this.lanes;
    return { queued: { interactive: interactive.queued, batch: batch.queued, bulk: bulk.queued }, cancelled: this.cancelled, refused: this.refused };
  }

  /** The next lane to serve: one starved past `every` (the higher first), else the highest with work. */
  private next(): Lane | undefined {
    const starved = this.order.slice(1).find((l) => l.jobs.length > 0 && l.since >= this.every);
    return starved ?? this.order.find((l) => l.jobs.length > 0);
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let lane = this.next(); lane !== undefined; lane = this.next()) {
        const job = lane.jobs.shift()!;
        lane.queued -= job.texts.length;
        const rank = this.order.indexOf(lane);
        lane.since = 0;
        for (const below of this.order.slice(rank + 1)) below.since++;
        const started = this.estimate.start();
        try {
          job.resolve(await this.inner.embed(job.texts));
          if (lane === this.lanes.batch) this.estimate.record(started, job.texts.length, lane.queued > 0);
        } catch (err) {
          job.reject(err);
        }
        // Between slices, let parsed requests reach the queue before the next pick.
        if (this.lanes.interactive.jobs.length === 0 && this.next() !== undefined) await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.running = false;
    }
  }
}
