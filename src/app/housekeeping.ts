import type { Logger } from "pino";
import type { Database } from "../adapters/db/client.js";
import type { DecisionLog } from "../stores/decision-log/decision-log.js";
import { purgeExpiredFeedback } from "../stores/feedback/retention.js";
import { purgeReceipts } from "../stores/idempotency-receipts.js";
import type { SessionStore } from "../stores/sessions/session-store.js";
import type { Component } from "./lifecycle.js";

const HOUSEKEEPING_MS = 10 * 60_000;
const RECEIPT_TTL_MS = 24 * 3600_000;

export interface HousekeepingDeps {
  db: Database;
  logger: Pick<Logger, "info" | "warn">;
  /** Null when the decision log is off: no partitions to keep. */
  decisionLog: DecisionLog | null;
  sessions: SessionStore;
}

/**
 * What the service tidies every ten minutes, best effort (retried next
 * time): decision-log partitions made ahead and dropped past retention with
 * the feedback of those days, day-old idempotency receipts, expired sessions.
 */
export class Housekeeping implements Component {
  readonly name = "housekeeping";
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: HousekeepingDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.run(), HOUSEKEEPING_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async run(): Promise<void> {
    await this.forgetOldReceipts();
    await this.maintainDecisionLog();
  }

  /** Decision-log partitions: yesterday, today and the next days made; those past retention dropped with their feedback and review items. */
  async maintainDecisionLog(now = new Date()): Promise<void> {
    if (!this.deps.decisionLog) return;
    try {
      const { cutoff } = await this.deps.decisionLog.maintain(now);
      const purged = await purgeExpiredFeedback(this.deps.db, cutoff);
      if (purged.feedback > 0 || purged.reviewItems > 0) this.deps.logger.info({ ...purged, before: cutoff.toISOString() }, "expired feedback purged");
    } catch (err) {
      this.deps.logger.warn({ err }, "could not maintain the decision log partitions; will retry");
    }
  }

  private async forgetOldReceipts(): Promise<void> {
    try {
      await purgeReceipts(this.deps.db, new Date(Date.now() - RECEIPT_TTL_MS));
      await this.deps.sessions.purgeExpired();
    } catch (err) {
      this.deps.logger.warn({ err }, "housekeeping failed (old receipts, expired sessions); will retry");
    }
  }
}
