import type { Config } from "../../src/base/config/config-schema.js";
import { loggedTexts } from "../../src/stores/decision-log/decision-log-repository.js";
import { decisionOutcomes } from "../../src/stores/feedback/reports/outcomes.js";
import type { LiveService } from "./live-service.js";

/** Labelled rows from the decision log, in the shape of the real-prompt rows (one source, all calibration). */
export interface FeedbackRows {
  rows: Array<{ id: string; query: string; tier: string; source: string; split: "calibration" }>;
  /** Decisions with feedback in the window. */
  decisions: number;
  /** Of them, with no text (neither logged with decisions.storeText nor sent with a report): they cannot be embedded. */
  withoutText: number;
}

/**
 * The decisions with feedback in [from, to), read from the service's
 * database, each labelled with the most capable tier its feedback leaves
 * open (README "What a verdict means"; conservative, so a bound fitted on
 * them is never optimistic), with its text from the report or the log.
 */
export async function readFeedbackRows(live: LiveService, config: Config, window: { from: Date; to: Date }): Promise<FeedbackRows> {
  const tiers = config.tiers.map((t) => t.name);
  const { db } = live.deps.database;
  const outcomes = await decisionOutcomes(db, tiers, window.from, window.to);
  const logged = await loggedTexts(
    db,
    outcomes.filter((o) => o.queryText === null).map((o) => o.decisionId),
  );
  const rows = outcomes.flatMap((o) => {
    const query = o.queryText ?? logged.get(o.decisionId);
    return query === undefined ? [] : [{ id: o.decisionId, query, tier: tiers[o.needed.hi]!, source: "feedback", split: "calibration" as const }];
  });
  // In text order, not the log's (decision ids are random): the same labels calibrate to the same point on any database.
  rows.sort((a, b) => (a.query < b.query ? -1 : a.query > b.query ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { rows, decisions: outcomes.length, withoutText: outcomes.length - rows.length };
}
