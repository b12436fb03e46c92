/**
 * The batch lane is full: taking this batch would queue more model work
 * than the lane's bound, so it is refused before anything is queued.
 * `retryAfterSeconds`: about when the work already waiting is done.
 */
export class BatchLaneFullError extends Error {
  override name = "BatchLaneFullError";
  readonly retryAfterSeconds: number;

  constructor(queuedMs: number, limitMs: number) {
    super(`the batch lane is full (about ${Math.round(queuedMs / 100) / 10} s of batch work waits; the bound is ${limitMs / 1000} s): retry later, or send smaller batches`);
    this.retryAfterSeconds = Math.max(1, Math.ceil(queuedMs / 1000));
  }
}

/** Before anything is measured: a full-length text (128 tokens) on two busy cores, so the first burst is not over-admitted. */
const INITIAL_MS_PER_TEXT = 10;
/** Weight of the newest slice: a few slices are enough to follow a change of text lengths. */
const WEIGHT = 0.3;

/**
 * Model time per text, a moving average over the slices of batch and bulk
 * work, so the batch bound is counted in time (what the deadline is) rather
 * than in texts, whose cost varies tenfold with their length and the machine.
 */
export class WorkEstimate {
  private msPerText = INITIAL_MS_PER_TEXT;

  constructor(private readonly now: () => number = () => performance.now()) {}

  msFor(texts: number): number {
    return texts * this.msPerText;
  }

  start(): number {
    return this.now();
  }

  record(startedAt: number, texts: number): void {
    const perText = (this.now() - startedAt) / texts;
    this.msPerText = (1 - WEIGHT) * this.msPerText + WEIGHT * perText;
  }
}
