import { DomainError } from "../../base/errors.js";
/**
 * The batch lane is full: taking this batch would queue more model work
 * than the lane's bound, so it is refused before anything is queued.
 * `retryAfterSeconds`: about when the work already waiting is done.
 */
export class BatchLaneFullError extends DomainError {
  override name = "BatchLaneFullError";
  readonly code = "overloaded" as const;
  override readonly retryAfterSeconds: number;

  constructor(queuedMs: number, limitMs: number) {
    const waiting = Number.isFinite(queuedMs) ? `about ${Math.round(queuedMs / 100) / 10} s of batch work waits` : "a batch waits and the model's pace is not measured yet";
    super(`the batch lane is full (${waiting}; the bound is ${limitMs / 1000} s): retry later, or send smaller batches`);
    this.retryAfterSeconds = Number.isFinite(queuedMs) ? Math.max(1, Math.ceil(queuedMs / 1000)) : 1;
  }
}

/** Weight of the newest slice: a few slices are enough to follow a change of text lengths or of load. */
const WEIGHT = 0.3;

/**
 * How fast the batch lane drains, in wall time per text: each slice counts
 * from the end of the slice before it while batch work kept waiting, so the
 * single queries and bulk slices served in between, and whatever else holds
 * the cores, are in it. The bound is then counted in time (what the deadline
 * is) rather than in texts, whose cost varies tenfold with their length, the
 * machine and the load. Unknown until a first slice has run: then no guess.
 */
export class DrainEstimate {
  private msPerText: number | undefined;
  /** When the last batch slice ended, while more batch work waited. */
  private lastEnd: number | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {}

  get measured(): boolean {
    return this.msPerText !== undefined;
  }

  /** Time to drain this many texts; Infinity before anything has been measured. */
  msFor(texts: number): number {
    return texts === 0 ? 0 : texts * (this.msPerText ?? Infinity);
  }

  start(): number {
    return this.now();
  }

  /** The batch lane emptied without a slice (its work was cancelled): the next slice counts from its own start. */
  idle(): void {
    this.lastEnd = undefined;
  }

  /** A batch slice of `texts` that started at `startedAt` has ended; `backlog`: batch work still waits. */
  record(startedAt: number, texts: number, backlog: boolean): void {
    const end = this.now();
    const perText = (end - (this.lastEnd ?? startedAt)) / texts;
    this.msPerText = this.msPerText === undefined ? perText : (1 - WEIGHT) * this.msPerText + WEIGHT * perText;
    this.lastEnd = backlog ? end : undefined;
  }
}
