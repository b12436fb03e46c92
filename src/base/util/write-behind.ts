import type { Logger } from "pino";
import { failActiveSpan, inSpan } from "./spans.js";

export interface WriteBehindOptions {
  flushIntervalMs: number;
  /** Distinct keys held in memory; beyond it the oldest are dropped (and counted). */
  maxKeys: number;
  logger?: Pick<Logger, "warn" | "debug">;
  /**
   * Whether a failed write was the database refusing the rows themselves (a
   * value it cannot store) rather than failing to take them (away, slow).
   * Refused rows are set aside one by one and the rest written; any other
   * failure keeps every row for the next attempt. Unset: always the latter.
   */
  isRefusal?: (err: unknown) => boolean;
}

/**
 * A bounded write-behind buffer: the request path only merges a row into
 * memory, a timer writes what accumulated. Rows with the same key merge, so
 * memory grows with distinct keys, not traffic. A failed write puts its rows
 * back in front (older rows are dropped first on overflow) to retry on the
 * next tick, unless the database refused a row: then the batch is halved
 * until each refused row stands alone, and those are set aside (counted in
 * `deadLetters`, logged by key) so one bad row never holds up the rows
 * behind it. Concurrent flushes share one write; stop() drains the buffer.
 */
export abstract class WriteBehind<Row> {
  private pending = new Map<string, Row>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  /** Rows handed to a write that has not settled yet. */
  private inFlightRows: Row[] = [];
  /** Units lost to overflow, as weighed by weightOf (never silent: exported as a metric). */
  dropped = 0;
  /** Flushes that failed (the database did not take them); exported as a metric. */
  failedFlushes = 0;
  /** Rows the database refused and that were set aside, never to be retried; exported as a metric. */
  deadLetters = 0;

  constructor(
    private readonly write: (rows: readonly Row[]) => Promise<void>,
    protected readonly options: WriteBehindOptions,
  ) {}

  protected abstract keyOf(row: Row): string;
  /** Combines an earlier pending row with a later one of the same key. */
  protected abstract combine(earlier: Row, later: Row): Row;
  /** Rows given up and counted (dropped, lost at shutdown, set aside): for subclasses that keep books beside the counters. */
  protected discarded(_rows: readonly Row[]): void {}

  /** How much a dropped row counts in `dropped`. */
  protected weightOf(_row: Row): number {
    return 1;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  pendingRows(): Row[] {
    return [...this.pending.values()];
  }

  /** Every row not written yet: pending, and in a write that has not settled. */
  unwritten(): Row[] {
    return [...this.inFlightRows, ...this.pending.values()];
  }

  /** A row not written yet (pending, or in a write that has not settled), by key. */
  peek(key: string): Row | undefined {
    return this.pending.get(key) ?? this.inFlightRows.find((row) => this.keyOf(row) === key);
  }

  protected add(row: Row): void {
    this.merge(this.pending, row);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref(); // never keeps the process alive on its own
  }

  /** Writes everything pending now. Concurrent callers share one flush. */
  flush(): Promise<void> {
    this.inFlight ??= this.flushOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * Stops the timer and writes what is left (graceful shutdown), waiting at
   * most `timeoutMs`: a database that does not answer must not hold the
   * process. Whatever could not be written is counted in `dropped` and logged.
   */
  async stop(timeoutMs = 5_000): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const drained = (async () => {
      await this.flush();
      // A flush that started before stop() may have left rows queued behind it.
      if (this.pending.size > 0) await this.flush();
      return false;
    })();
    const timedOut = await Promise.race([drained, gaveUp]);
    clearTimeout(timer);
    const lostRows = [...this.pending.values(), ...(timedOut ? this.inFlightRows : [])];
    const lost = lostRows.reduce((n, row) => n + this.weightOf(row), 0);
    if (lost > 0) {
      // The database is away and the process is ending: these are lost, and said so.
      this.dropped += lost;
      this.discarded(lostRows);
      this.options.logger?.warn({ rows: this.pending.size + (timedOut ? this.inFlightRows.length : 0), lost, timedOut }, "write-behind rows could not be written before shutdown");
      this.pending = new Map();
      this.inFlightRows = [];
    }
  }

  private async flushOnce(): Promise<void> {
    if (this.pending.size === 0) return;
    // A span per write that has rows (docs/operations.md#tracing); the empty ticks of the timer make none.
    await inSpan("db flush", { "tierline.writer": this.constructor.name, "tierline.rows": this.pending.size }, () => this.writePending());
  }

  private async writePending(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.inFlightRows = [...batch.values()];
    try {
      await this.write(this.inFlightRows);
      this.options.logger?.debug({ rows: batch.size }, "write-behind flushed");
    } catch (err) {
      const refused: Row[] = [];
      const unwritten = this.options.isRefusal?.(err) ? await this.setAsideRefused(this.inFlightRows, refused) : this.inFlightRows;
      if (refused.length > 0) {
        this.deadLetters += refused.length;
        this.discarded(refused);
        const keys = refused.slice(0, 10).map((row) => this.keyOf(row));
        this.options.logger?.warn(
          { err: briefly(err), rows: refused.length, keys, deadLetters: this.deadLetters },
          "the database refused write-behind rows; set aside, not retried",
        );
      }
      if (unwritten.length > 0) {
        failActiveSpan(err);
        this.failedFlushes++;
        this.options.logger?.warn({ err: briefly(err), rows: unwritten.length }, "write-behind flush failed; rows kept for the next attempt");
      }
      const requeued = new Map<string, Row>();
      for (const row of unwritten) this.merge(requeued, row);
      for (const row of this.pending.values()) this.merge(requeued, row);
      this.pending = requeued;
    } finally {
      this.inFlightRows = [];
    }
  }

  /**
   * After a refusal: writes the rows in halves, halving a refused part again
   * until the row it holds is alone, and sets that row aside. About two
   * statements per halving for each bad row; the good rows are written once.
   * Collects the refused rows in `refused`; returns the rows a failure other
   * than a refusal left unwritten.
   */
  private async setAsideRefused(rows: readonly Row[], refused: Row[]): Promise<Row[]> {
    if (rows.length === 1) {
      refused.push(rows[0]!);
      return [];
    }
    const mid = Math.ceil(rows.length / 2);
    const halves = [rows.slice(0, mid), rows.slice(mid)];
    for (const [i, half] of halves.entries()) {
      try {
        await this.write(half);
      } catch (err) {
        if (!this.options.isRefusal?.(err)) return halves.slice(i).flat();
        const left = await this.setAsideRefused(half, refused);
        if (left.length > 0) return [...left, ...halves.slice(i + 1).flat()];
      }
    }
    return [];
  }

  private merge(target: Map<string, Row>, row: Row): void {
    const key = this.keyOf(row);
    const existing = target.get(key);
    if (existing !== undefined) {
      target.set(key, this.combine(existing, row));
      return;
    }
    if (target.size >= this.options.maxKeys) {
      const oldest = target.keys().next().value as string;
      const before = this.dropped;
      const evicted = target.get(oldest)!;
      this.dropped += this.weightOf(evicted);
      target.delete(oldest);
      this.discarded([evicted]);
      // Once, then every 1,000 more: an outage must be visible without flooding the log.
      if (before === 0 || Math.floor(before / 1000) !== Math.floor(this.dropped / 1000)) {
        this.options.logger?.warn({ dropped: this.dropped }, "write-behind buffer full; oldest rows dropped");
      }
    }
    target.set(key, row);
  }
}

/** The error's code and message: a refused statement's detail may quote the row (query text). */
function briefly(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  return { name: err.name, message: err.message, code: (err as { code?: unknown }).code };
}
