import type { Logger } from "pino";

export interface StatsRow {
  bucket: Date;
  tier: string;
  reason: string;
  cached: boolean;
  count: number;
}

export interface StatsRecorderOptions {
  /** Bucket width; one minute keeps the table small and the charts fine-grained enough. */
  bucketMs?: number;
  /** Distinct (bucket, tier, reason, cached) keys held in memory while the database is away. */
  maxPendingKeys: number;
  flushIntervalMs: number;
  logger?: Pick<Logger, "warn" | "debug">;
  onFlushError?: () => void;
}

/**
 * Counts every routing decision in memory and upserts the counts at most
 * once per flush interval and on shutdown, so the request path never waits
 * on the database. Memory is bounded by distinct keys, not by traffic; when
 * the database is away long enough to exceed the bound, the oldest counts
 * are dropped and the number of decisions lost is counted (never silent).
 */
export class StatsRecorder {
  private pending = new Map<string, StatsRow>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  /** Decisions whose counts were dropped because the buffer was full. */
  droppedDecisions = 0;
  failedFlushes = 0;
  /** Decisions recorded since start (written or not). */
  recorded = 0;

  constructor(
    private readonly write: (rows: readonly StatsRow[]) => Promise<void>,
    private readonly options: StatsRecorderOptions,
  ) {}

  get pendingKeys(): number {
    return this.pending.size;
  }

  record(decision: { tier: string; reason: string; cached: boolean }, at = Date.now()): void {
    this.recorded++;
    const width = this.options.bucketMs ?? 60_000;
    const bucket = new Date(Math.floor(at / width) * width);
    this.add(this.pending, { bucket, tier: decision.tier, reason: decision.reason, cached: decision.cached, count: 1 });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  flush(): Promise<void> {
    this.inFlight ??= this.flushOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    if (this.pending.size > 0) await this.flush();
  }

  private async flushOnce(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.write([...batch.values()]);
    } catch (err) {
      this.failedFlushes++;
      this.options.onFlushError?.();
      this.options.logger?.warn({ err, keys: batch.size }, "routing stats flush failed; counts kept for the next attempt");
      const merged = new Map<string, StatsRow>();
      for (const row of batch.values()) this.add(merged, row);
      for (const row of this.pending.values()) this.add(merged, row);
      this.pending = merged;
    }
  }

  private add(target: Map<string, StatsRow>, row: StatsRow): void {
    const key = `${row.bucket.getTime()}|${row.tier}|${row.reason}|${row.cached ? 1 : 0}`;
    const existing = target.get(key);
    if (existing) {
      existing.count += row.count;
      return;
    }
    if (target.size >= this.options.maxPendingKeys) {
      const oldest = target.keys().next().value as string;
      this.droppedDecisions += target.get(oldest)!.count;
      target.delete(oldest);
      this.options.logger?.warn({ dropped: this.droppedDecisions }, "routing stats buffer full; oldest counts dropped");
    }
    target.set(key, { ...row });
  }
}
