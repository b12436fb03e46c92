import { inArray } from "drizzle-orm";
import { chunks } from "../../adapters/db/chunks.js";
import type { Database } from "../../adapters/db/client.js";
import { Deadline, type DatabaseGuard } from "../../adapters/db/database-guard.js";
import { reviewItems } from "../../adapters/db/feedback-schema.js";
import type { DecisionLog } from "../decision-log/decision-log.js";
import { routedTierOf, type LogRow } from "../decision-log/log-row.js";
import { UnknownTierError } from "../exemplars/exemplar.js";
import { normalizeBounded, textHash } from "../../base/text/normalize.js";
import { DecisionNotFoundError, FeedbackConflictError, InvalidFeedbackError } from "./feedback-errors.js";
import { writeFeedback, type Prepared } from "./feedback-writes.js";
import type { StoredFeedback } from "./feedback-repository.js";
import { disagreement, inconsistency, neededRange, type FeedbackVerdict } from "./verdicts.js";

export interface FeedbackInput {
  verdict: FeedbackVerdict;
  correctTier?: string;
  /** An evaluator's grade, 0..1. */
  score?: number;
  note?: string;
  /** Who judged; default the token label. One report per decision and source. */
  source?: string;
  /** The query text, when the caller has it (the log keeps text only with decisions.storeText). */
  query?: string;
}

/** An import line: a decision id, or the query text of a logged decision (its latest). */
export interface FeedbackEntry extends FeedbackInput {
  decisionId?: string;
}

export type EntryStatus = "created" | "unchanged" | "conflict" | "not_found" | "invalid";

export interface EntryResult {
  status: EntryStatus;
  feedback?: StoredFeedback;
  /** The decision's review item, when its feedback disagrees with it. */
  reviewId?: number | null;
  existing?: StoredFeedback;
  message?: string;
}

export interface FeedbackDeps {
  db: Database;
  guard: DatabaseGuard;
  log: DecisionLog;
  /** Tier names, cheapest first. */
  tiers: readonly string[];
  /** What the model reads: supplied query text is normalised and cut as /route did. */
  maxInputChars: () => number;
  /** An import's database budget grows by this per line beyond the guard's bound (feedback.perLineBudgetMs). */
  perLineBudgetMs: number;
  /** Each new report (metrics). */
  onFeedback?: (f: { tier: string; reason: string; verdict: string }) => void;
}

/**
 * Feedback on logged decisions: one report per decision and source
 * (a repeat is idempotent, a different repeat a conflict); a report that
 * disagrees with the tier routing chose opens a review item.
 */
export class FeedbackService {
  constructor(private readonly deps: FeedbackDeps) {}

  async submit(decisionId: string, input: FeedbackInput, actor: string): Promise<EntryResult & { status: "created" | "unchanged" }> {
    if (input.correctTier !== undefined && !this.deps.tiers.includes(input.correctTier)) {
      throw new UnknownTierError(`tier "${input.correctTier}" is not configured (tiers: ${this.deps.tiers.join(", ")})`);
    }
    const [result] = await this.apply([{ ...input, decisionId }], actor);
    switch (result!.status) {
      case "not_found":
        throw new DecisionNotFoundError(decisionId, this.deps.log.enabled);
      case "invalid":
        throw new InvalidFeedbackError(result!.message!);
      case "conflict":
        throw new FeedbackConflictError(result!.existing);
      default:
        return result as EntryResult & { status: "created" | "unchanged" };
    }
  }

  /** Many reports in one transaction; each line gets its own status (nothing fails the batch but a database error). */
  import(entries: readonly FeedbackEntry[], actor: string): Promise<EntryResult[]> {
    return this.apply(entries, actor);
  }

  private async apply(entries: readonly FeedbackEntry[], actor: string): Promise<EntryResult[]> {
    const { tiers, log } = this.deps;
    const texts = entries.map((e) => (e.query === undefined ? null : normalizeBounded(e.query, this.deps.maxInputChars()).text));
    const hashes = texts.map((t) => (t === null || t === "" ? null : textHash(t)));
    const ids = entries.flatMap((e) => (e.decisionId ? [e.decisionId] : []));
    // One budget for every database step of this request, growing with an import's lines.
    const budget = Deadline.after(this.deps.guard.timeoutMs + (entries.length > 1 ? entries.length * this.deps.perLineBudgetMs : 0));
    const byId = await log.find(ids, budget);
    const byText = await log.findByTextHash([...new Set(entries.flatMap((e, i) => (e.decisionId === undefined && hashes[i] ? [hashes[i]!] : [])))], budget);

    const results: EntryResult[] = entries.map(() => ({ status: "invalid" }));
    const prepared: Prepared[] = [];
    entries.forEach((e, i) => {
      if (texts[i] === "") return void (results[i] = { status: "invalid", message: "query is empty or whitespace only" });
      const row: LogRow | undefined = e.decisionId ? byId.get(e.decisionId) : byText.get(hashes[i]!);
      if (!row) return void (results[i] = { status: "not_found", message: e.decisionId ? `no logged decision ${e.decisionId}` : "no logged decision with this query text" });
      if (hashes[i] && hashes[i] !== row.textHash) return void (results[i] = { status: "invalid", message: "query is not the text this decision routed" });
      const served = tiers.indexOf(row.tier);
      const correctRank = e.correctTier === undefined ? null : tiers.indexOf(e.correctTier);
      if (served < 0 || correctRank === -1) return void (results[i] = { status: "invalid", message: `tier "${served < 0 ? row.tier : e.correctTier}" is not configured` });
      const why = inconsistency(served, e.verdict, correctRank);
      if (why) return void (results[i] = { status: "invalid", message: why });
      const routed = tiers.indexOf(routedTierOf(row));
      const suggested = routed < 0 ? null : disagreement(routed, neededRange(served, { verdict: e.verdict, correctRank }, tiers.length));
      prepared.push({
        index: i,
        suggestedTier: suggested === null ? null : tiers[suggested]!,
        row: {
          decisionId: row.decisionId,
          decisionAt: row.at,
          source: e.source ?? actor,
          actor,
          verdict: e.verdict,
          correctTier: e.correctTier ?? null,
          score: e.score ?? null,
          note: e.note ?? null,
          queryText: texts[i] ?? row.queryText,
          tier: row.tier,
          reason: row.reason,
          shadowOf: row.shadowOf,
          tags: row.tags,
        },
      });
    });
    if (prepared.length === 0) return results;

    const written = await this.deps.guard.run("unknown", (deadline) => writeFeedback(this.deps.db, prepared, deadline), budget, RETRY_FEEDBACK);
    const reviewIds = await this.deps.guard.run(
      "not_applied",
      () =>
        reviewIdsOf(
          this.deps.db,
          prepared.map((p) => p.row.decisionId),
        ),
      budget,
    );
    for (const w of written) {
      const decisionId = w.prepared.row.decisionId;
      results[w.prepared.index] = { status: w.status, feedback: w.stored, existing: w.status === "conflict" ? w.stored : undefined, reviewId: reviewIds.get(decisionId) ?? null };
      if (w.status === "created") this.deps.onFeedback?.({ tier: w.stored.tier, reason: w.stored.reason, verdict: w.stored.verdict });
    }
    return results;
  }
}

/** Feedback takes no Idempotency-Key: it is idempotent by itself (a report already stored answers "unchanged"). */
const RETRY_FEEDBACK = "send the same reports again: one already stored answers unchanged";

async function reviewIdsOf(db: Database, decisionIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const chunk of chunks([...new Set(decisionIds)])) {
    const rows = await db.select({ id: reviewItems.id, decisionId: reviewItems.decisionId }).from(reviewItems).where(inArray(reviewItems.decisionId, chunk));
    for (const r of rows) out.set(r.decisionId, r.id);
  }
  return out;
}
