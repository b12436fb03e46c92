import { and, desc, gte, inArray, sql } from "drizzle-orm";
import { chunks } from "../db/chunks.js";
import type { Database, Executor } from "../db/client.js";
import { decisionLog } from "../db/decision-log-table.js";
import { dayOf, ensurePartitions } from "../db/partitions.js";
import { yieldToEventLoop } from "../util/yield.js";
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

/** Rows per statement: a statement of PGlite (in this process) blocks the event loop for its length (~4 ms per 100 rows). */
const LOG_CHUNK = 200;

/**
 * Inserts a flush in statements of LOG_CHUNK rows, yielding to the event
 * loop between them, each row set passed as one JSON parameter
 * (json_to_recordset: about 4× cheaper than a row of bound parameters per
 * decision). No transaction is needed: a decision id is written once
 * (ON CONFLICT DO NOTHING), so a retried flush that partly succeeded adds nothing twice.
 */
export async function insertLogRows(db: Pick<Executor, "execute">, rows: readonly LogRow[]): Promise<void> {
  for (const [i, chunk] of chunks(rows, LOG_CHUNK).entries()) {
    if (i > 0) await yieldToEventLoop();
    const json = JSON.stringify(chunk.map((r) => ({ ...r, at: r.at.toISOString() })));
    await db.execute(sql`
      insert into decision_log (decision_id, at, tier, reason, confidence, margin, revision, cached, shadow_of, shadow_reason, embedding_key, text_hash,
        nearest_similarity, profile, constrained_by, caller, session_id, tags, query_text)
      select * from json_to_recordset(${json}::json) as r("decisionId" uuid, at timestamptz, tier text, reason text, confidence real, margin real, revision bigint,
        cached boolean, "shadowOf" text, "shadowReason" text, "embeddingKey" text, "textHash" text, "nearestSimilarity" real, profile text, "constrainedBy" text,
        caller text, "sessionId" text, tags text[], "queryText" text)
      on conflict do nothing`);
  }
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
