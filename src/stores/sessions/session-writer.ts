import { WriteBehind } from "../../base/util/write-behind.js";
import type { SessionRow } from "./session-repository.js";

/**
 * Session floors written behind, as the decision log is: a raise only joins
 * a bounded queue (sessions.queueLimit), a timer writes the queue every
 * sessions.flushIntervalMs in as few statements as it can, one flush at a
 * time. A flood of new sessions therefore costs one statement per 500 rows
 * on one connection, never one statement per request queued in the driver;
 * overflow drops the oldest floors and counts them.
 */
export class SessionWriter extends WriteBehind<SessionRow> {
  record(row: SessionRow): void {
    this.add(row);
  }

  protected keyOf(row: SessionRow): string {
    return row.key;
  }

  /** The store hands over its own (higher, later) floor each time: the later row stands. */
  protected combine(_earlier: SessionRow, later: SessionRow): SessionRow {
    return later;
  }
}
