import type { Decision, DecisionFacts } from "../../routing/decision.js";
import type { RouteRequest } from "../../routing/pipeline.js";
import { WriteBehind, type WriteBehindOptions } from "../../base/util/write-behind.js";
import type { CrashJournal } from "./crash-journal.js";
import { logRowOf, type LogRow } from "./log-row.js";

/**
 * Writes every decision to the decision log behind the request: the route
 * path only adds a row to a bounded buffer. Decision ids are unique, so rows
 * never merge and `dropped` counts decisions lost (buffer full while the
 * database is away, or unwritable at shutdown), exactly as the stats do.
 * With a crash journal, what a killed process leaves unwritten is counted at
 * the next start (crash-journal.ts).
 */
export class DecisionLogWriter extends WriteBehind<LogRow> {
  /** Decisions recorded since start (written, pending or dropped). */
  recorded = 0;
  private readonly storeText: boolean;
  private readonly journal: CrashJournal | undefined;
  private started = false;
  /** The ids the previous process left in the journal, until the decision log looks them up. */
  private previousRun: string[] = [];

  constructor(
    write: (rows: readonly LogRow[]) => Promise<void>,
    options: WriteBehindOptions & { /** Keep the query text (decisions.storeText). */ storeText: boolean; journal?: CrashJournal },
  ) {
    super(async (rows) => {
      await write(rows);
      options.journal?.settle(
        rows.map((r) => r.decisionId),
        false,
      );
    }, options);
    this.storeText = options.storeText;
    this.journal = options.journal;
  }

  /** Buffers the decision's row; the promise (with a journal) settles once its id is journalled: answer after it. */
  record(decision: Decision, request: RouteRequest, facts: DecisionFacts): Promise<void> | undefined {
    this.recorded++;
    const journalled = this.journal?.record(decision.decisionId);
    this.add(logRowOf(decision, request, facts, this.storeText));
    return journalled;
  }

  override start(): void {
    if (!this.started) this.previousRun = this.journal?.start().ids ?? [];
    this.started = true;
    super.start();
  }

  /** Once: the previous process's journalled ids it neither saw written nor counted (crash-journal.ts). */
  takePreviousRun(): string[] {
    const ids = this.previousRun;
    this.previousRun = [];
    return ids;
  }

  override flush(): Promise<void> {
    this.journal?.rotate();
    return super.flush();
  }

  /** Writes what is left; then every decision of this process was written or counted, and the journal goes. */
  override async stop(timeoutMs?: number): Promise<void> {
    await super.stop(timeoutMs);
    this.journal?.close();
  }

  protected override discarded(rows: readonly LogRow[]): void {
    this.journal?.settle(
      rows.map((r) => r.decisionId),
      true,
    );
  }

  protected keyOf(row: LogRow): string {
    return row.decisionId;
  }

  /** Never called for distinct ids; a replayed row (same id) keeps the first. */
  protected combine(earlier: LogRow): LogRow {
    return earlier;
  }
}
