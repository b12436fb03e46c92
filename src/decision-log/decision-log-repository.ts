import { and, desc, gte, inArray, sql } from "drizzle-orm";
import { chunks } from "../db/chunks.js";
import type { Database, Executor } from "../db/client.js";
import { decisionLog } from "../db/decision-log-table.js";
import { dayOf, ensurePartitions } from "../db/partitions.js";
import type { LogRow } from "./log-row.js";

/**
 * Writes flushes of the decision log, creating a day's partition on demand
 * (housekeeping creates them ahead; this covers a first start, a clock jump,
 * or housekeeping that could not run). Days known to exist are remembered;
 * a failed write forgets them, so the retry checks again.
 */
export class DecisionLogStore {
  private readonly knownDays = new Set<number>();

  constructor(private readonly db: Database) {}

  async write(rows: readonly LogRow[]): Promise<void> {
    if (rows.length === 0) return;
    const missing = [...new Set(rows.map((r) => dayOf(r.at).getTime()))].filter((d) => !this.knownDays.has(d));
    try {
      if (missing.length > 0) {
        await ensurePartitions(this.db, missing.map((d) => new Date(d)));
        for (const d of missing) this.knownDays.add(d);
      }
      await insertLogRows(this.db, rows);
    } catch (err) {
      this.knownDays.clear();
      throw err;
    }
  }

  /** Housekeeping made (or found) these days. */
  remember(days: readonly Date[]): void {
    for (const d of days) this.knownDays.add(dayOf(d).getTime());
  }

  /** Housekeeping dropped partitions: forget everything rather than track which. */
  forget(): void {
    this.knownDays.clear();
  }
}

/** One transaction; a retried flush whose first attempt did commit inserts nothing twice. */
export async function insertLogRows(db: Database, rows: readonly LogRow[]): Promise<void> {
  await db.transaction(async (tx) => {
    for (const chunk of chunks(rows)) await tx.insert(decisionLog).values(chunk.map((r) => ({ ...r }))).onConflictDoNothing();
  });
}

const columns = {
  decisionId: decisionLog.decisionId,
  at: decisionLog.at,
  tier: decisionLog.tier,
  reason: decisionLog.reason,
  confidence: decisionLog.confidence,
  margin: decisionLog.margin,
  revision: decisionLog.revision,
  cached: decisionLog.cached,
  shadowOf: decisionLog.shadowOf,
  shadowReason: decisionLog.shadowReason,
  embeddingKey: decisionLog.embeddingKey,
  textHash: decisionLog.textHash,
  nearestSimilarity: decisionLog.nearestSimilarity,
  profile: decisionLog.profile,
  constrainedBy: decisionLog.constrainedBy,
  caller: decisionLog.caller,
  sessionId: decisionLog.sessionId,
  tags: decisionLog.tags,
  queryText: decisionLog.queryText,
};

/** Logged decisions by id (any retained day). */
export async function findLogged(db: Executor, ids: readonly string[]): Promise<LogRow[]> {
  const out: LogRow[] = [];
  for (const chunk of chunks(ids)) out.push(...((await db.select(columns).from(decisionLog).where(inArray(decisionLog.decisionId, [...chunk]))) as LogRow[]));
  return out;
}

/** The latest logged decision for each normalised-text hash, since `since`. */
export async function latestByTextHash(db: Executor, hashes: readonly string[], since: Date): Promise<Map<string, LogRow>> {
  const out = new Map<string, LogRow>();
  for (const chunk of chunks(hashes)) {
    const rows = (await db
      .selectDistinctOn([decisionLog.textHash], columns)
      .from(decisionLog)
      .where(and(inArray(decisionLog.textHash, [...chunk]), gte(decisionLog.at, since)))
      .orderBy(decisionLog.textHash, desc(decisionLog.at))) as LogRow[];
    for (const r of rows) out.set(r.textHash, r);
  }
  return out;
}

/** Query texts the log kept (decisions.storeText), by decision id. */
export async function loggedTexts(db: Executor, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const chunk of chunks(ids)) {
    const rows = await db
      .select({ id: decisionLog.decisionId, text: decisionLog.queryText })
      .from(decisionLog)
      .where(and(inArray(decisionLog.decisionId, [...chunk]), sql`${decisionLog.queryText} is not null`));
    for (const r of rows) out.set(r.id, r.text!);
  }
  return out;
}
