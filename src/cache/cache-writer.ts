import type { Logger } from "pino";
import type { CacheRowUpdate } from "./cache-repository.js";

export interface CacheWriterOptions {
  /** Distinct keys waiting to be written; beyond it the oldest are dropped (and counted). */
  queueLimit: number;
  flushIntervalMs: number;
  /** Rows per INSERT statement. */
  batchSize?: number;
  logger?: Pick<Logger, "warn" | "debug">;
  onFlushError?: () => void;
}

/**
 * Write-behind for the decision cache: the request path only touches memory,
 * a timer upserts the accumulated changes. Updates to the same key merge, so
 * a hot query costs one row per flush however often it repeats. A failed
 * flush puts its rows back (still bounded) to retry on the next tick.
 */
export class CacheWriter {
  private pending = new Map<string, CacheRowUpdate>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  /** Updates discarded because the queue was full. */
  dropped = 0;
  /** Flushes that failed (rows were re-queued). */
  failedFlushes = 0;

  constructor(
    private readonly write: (rows: readonly CacheRowUpdate[]) => Promise<void>,
    private readonly options: CacheWriterOptions,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  record(update: CacheRowUpdate): void {
    this.merge(this.pending, update);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Writes everything pending now. Concurrent callers share one flush. */
  flush(): Promise<void> {
    this.inFlight ??= this.flushOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Stops the timer and writes what is left (graceful shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    // A flush that started before stop() may have left rows queued behind it.
    if (this.pending.size > 0) await this.flush();
  }

  private async flushOnce(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const rows = [...batch.values()];
    const size = this.options.batchSize ?? 500;
    let written = 0;
    try {
      for (; written < rows.length; written += size) await this.write(rows.slice(written, written + size));
      this.options.logger?.debug({ rows: rows.length }, "decision cache flushed");
    } catch (err) {
      this.failedFlushes++;
      this.options.onFlushError?.();
      const unwritten = rows.slice(written);
      this.options.logger?.warn({ err, rows: unwritten.length }, "decision cache flush failed; will retry");
      // Older rows go back in front so that, if the queue overflows, they are the ones dropped.
      const requeued = new Map<string, CacheRowUpdate>();
      for (const row of unwritten) this.merge(requeued, row);
      for (const row of this.pending.values()) this.merge(requeued, row);
      this.pending = requeued;
    }
  }

  private merge(target: Map<string, CacheRowUpdate>, update: CacheRowUpdate): void {
    const existing = target.get(update.key);
    if (existing) {
      const newer = update.lastSeen >= existing.lastSeen ? update : existing;
      target.set(update.key, {
        ...newer,
        hits: existing.hits + update.hits,
        firstSeen: existing.firstSeen < update.firstSeen ? existing.firstSeen : update.firstSeen,
        queryText: newer.queryText ?? existing.queryText ?? update.queryText,
      });
      return;
    }
    if (target.size >= this.options.queueLimit) {
      target.delete(target.keys().next().value as string);
      this.dropped++;
    }
    target.set(update.key, update);
  }
}
