import { WriteBehind, type WriteBehindOptions } from "../base/util/write-behind.js";
import type { AttemptRow, ExchangeRow } from "./gateway-repository.js";
import type { AttemptRecord, ExchangeRecord, GatewayRecorder } from "../adapters/upstreams/recorder.js";

type LogRow = { table: "exchange"; row: ExchangeRow } | { table: "attempt"; row: AttemptRow };

/**
 * The attempt log, written behind: requests only append to a bounded
 * buffer (never a database wait on the gateway path), a timer writes
 * gateway_exchanges and gateway_attempts. Overflow drops the oldest rows and
 * counts them (`dropped`, exported to /metrics).
 */
export class GatewayLog extends WriteBehind<LogRow> implements GatewayRecorder {
  /** Orders the attempts of one decision; unique within the process, and a decision lives in one. */
  private seq = 0;

  constructor(write: (exchanges: ExchangeRow[], attempts: AttemptRow[]) => Promise<void>, options: WriteBehindOptions) {
    super(async (rows) => {
      const exchanges: ExchangeRow[] = [];
      const attempts: AttemptRow[] = [];
      for (const r of rows) {
        if (r.table === "exchange") exchanges.push(r.row);
        else attempts.push(r.row);
      }
      await write(exchanges, attempts);
    }, options);
  }

  attempt(r: AttemptRecord): void {
    this.add({
      table: "attempt",
      row: {
        decisionId: r.decisionId,
        seq: ++this.seq,
        at: r.at,
        kind: r.kind,
        tier: r.tier,
        upstream: r.upstream,
        model: r.model,
        outcome: r.outcome,
        status: r.status,
        ms: r.ms,
        served: r.served,
        score: r.score,
        promptTokens: r.usage?.promptTokens ?? null,
        completionTokens: r.usage?.completionTokens ?? null,
        costUsd: r.costUsd,
      },
    });
  }

  exchange(r: ExchangeRecord): void {
    const { usage, ...rest } = r;
    this.add({ table: "exchange", row: { ...rest, promptTokens: usage?.promptTokens ?? null, completionTokens: usage?.completionTokens ?? null } });
  }

  protected keyOf(r: LogRow): string {
    return r.table === "exchange" ? `x|${r.row.decisionId}` : `a|${r.row.decisionId}|${r.row.seq}`;
  }

  protected combine(_earlier: LogRow, later: LogRow): LogRow {
    return later;
  }
}
