import type { Decision, DecisionFacts } from "../routing/decision.js";
import type { RouteRequest } from "../routing/pipeline.js";
import { WriteBehind, type WriteBehindOptions } from "../util/write-behind.js";
import { logRowOf, type LogRow } from "./log-row.js";

/**
 * Writes every decision to the decision log behind the request: the route
 * path only adds a row to a bounded buffer. Decision ids are unique, so rows
 * never merge and `dropped` counts decisions lost (buffer full while the
 * database is away, or unwritable at shutdown), exactly as the stats do.
 */
export class DecisionLogWriter extends WriteBehind<LogRow> {
  /** Decisions recorded since start (written, pending or dropped). */
  recorded = 0;

  constructor(
    write: (rows: readonly LogRow[]) => Promise<void>,
    options: WriteBehindOptions & { /** Keep the query text (decisions.storeText). */ storeText: boolean },
  ) {
    super(write, options);
    this.storeText = options.storeText;
  }

  private readonly storeText: boolean;

  record(decision: Decision, request: RouteRequest, facts: DecisionFacts): void {
    this.recorded++;
    this.add(logRowOf(decision, request, facts, this.storeText));
  }

  protected keyOf(row: LogRow): string {
    return row.decisionId;
  }

  /** Never called for distinct ids; a replayed row (same id) keeps the first. */
  protected combine(earlier: LogRow): LogRow {
    return earlier;
  }
}
