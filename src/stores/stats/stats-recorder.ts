import type { Decision } from "../../routing/decision.js";
import { WriteBehind, type WriteBehindOptions } from "../../base/util/write-behind.js";

export interface StatsRow {
  bucket: Date;
  profile: string;
  tier: string;
  reason: string;
  cached: boolean;
  count: number;
  inputTokens: number;
  cost: number;
  costIfMostCapable: number;
}

/** The parts of a decision the counters keep. */
export type CountedDecision = Pick<Decision, "tier" | "reason" | "cached"> & Partial<Pick<Decision, "profile" | "estimatedInputTokens" | "estimatedCost">>;

/**
 * Counts every routing decision per (minute, tier, reason, cached) in memory
 * and writes the counts behind, so the request path never waits on the
 * database. Memory is bounded by distinct counters, not traffic; `dropped`
 * counts *decisions* lost to overflow (never silent).
 */
export class StatsRecorder extends WriteBehind<StatsRow> {
  /** Decisions recorded since start (written, pending or dropped). */
  recorded = 0;

  constructor(write: (rows: readonly StatsRow[]) => Promise<void>, options: WriteBehindOptions & { /** Bucket width, ms; a minute keeps the table small. */ bucketMs?: number }) {
    super(write, options);
    this.bucketMs = options.bucketMs ?? 60_000;
  }

  private readonly bucketMs: number;

  record(decision: CountedDecision, at = Date.now()): void {
    this.recorded++;
    const bucket = new Date(Math.floor(at / this.bucketMs) * this.bucketMs);
    this.add({
      bucket,
      profile: decision.profile ?? "default",
      tier: decision.tier,
      reason: decision.reason,
      cached: decision.cached,
      count: 1,
      inputTokens: decision.estimatedInputTokens ?? 0,
      cost: decision.estimatedCost?.chosen ?? 0,
      costIfMostCapable: decision.estimatedCost?.mostCapable ?? 0,
    });
  }

  protected keyOf(row: StatsRow): string {
    return `${row.bucket.getTime()}|${row.profile}|${row.tier}|${row.reason}|${row.cached ? 1 : 0}`;
  }

  protected combine(earlier: StatsRow, later: StatsRow): StatsRow {
    return {
      ...earlier,
      count: earlier.count + later.count,
      inputTokens: earlier.inputTokens + later.inputTokens,
      cost: earlier.cost + later.cost,
      costIfMostCapable: earlier.costIfMostCapable + later.costIfMostCapable,
    };
  }

  protected override weightOf(row: StatsRow): number {
    return row.count;
  }
}
