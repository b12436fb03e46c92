import { and, desc, gte, inArray, sql } from "drizzle-orm";
import { chunks } from "../../adapters/db/chunks.js";
import type { DatabaseHandle, Executor } from "../../adapters/db/client.js";
import { toCsv } from "../../adapters/db/csv.js";
import { classifyDatabaseError } from "../../adapters/db/db-errors.js";
import { decisionLog } from "../../adapters/db/decision-log-table.js";
import { dayOf, ensurePartitions } from "../../adapters/db/partitions.js";
import { yieldToEventLoop } from "../../base/util/yield.js";
import type { LogRow } from "./log-row.js";

const LOG_COLUMNS = [
  ["decisionId", "decision_id"],
  ["at", "at"],
  ["tier", "tier"],
  ["reason", "reason"],
  ["confidence", "confidence"],
  ["margin", "margin"],
  ["revision", "revision"],
  ["cached", "cached"],
  ["shadowOf", "shadow_of"],
  ["shadowReason", "shadow_reason"],
  ["embeddingKey", "embedding_key"],
  ["textHash", "text_hash"],
  ["nearestSimilarity", "nearest_similarity"],
  ["profile", "profile"],
  ["constrainedBy", "constrained_by"],
  ["caller", "caller"],
  ["sessionId", "session_id"],
  ["tags", "tags"],
  ["queryText", "query_text"],
] as const satisfies ReadonlyArray<readonly [keyof LogRow, string]>;

/**
 * Writes flushes of the decision log in statements of LOG_CHUNK rows with
 * the event loop free between them, creating a day's partition on demand
 * (housekeeping creates them ahead; this covers a first start, a clock jump,
 * or housekeeping that could not run). On PGlite, which works in this
 * process, rows go in with COPY; a COPY is all or nothing and cannot skip
 * rows already there, so a chunk that meets one (a flush retried after its
 * commit went unconfirmed) is written again with INSERT … ON CONFLICT DO
 * NOTHING, which PostgreSQL always uses. Days known to exist are
 * remembered; a failed write forgets them, so the retry checks again.
 */
export class DecisionLogStore {
  private readonly knownDays = new Set<number>();

  constructor(private readonly database: Pick<DatabaseHandle, "db" | "copyRows">) {}

  private async writeChunk(chunk: readonly LogRow[]): Promise<void> {
    const { db } = this.database;
    if (this.database.copyRows === undefined) return insertLogRows(db, chunk);
    try {
      await this.database.copyRows(
        "decision_log",
        LOG_COLUMNS.map(([, c]) => c),
        toCsv(
          chunk,
          LOG_COLUMNS.map(([k]) => k),
        ),
      );
    } catch (err) {
      if (classifyDatabaseError(err) !== "unique_violation") throw err;
      await insertLogRows(db, chunk);
    }
  }

  async write(rows: readonly LogRow[]): Promise<void> {
    if (rows.length === 0) return;
    const { db } = this.database;
    const missing = [...new Set(rows.map((r) => dayOf(r.at).getTime()))].filter((d) => !this.knownDays.has(d));
    try {
      if (missing.length > 0) {
        await ensurePartitions(
          db,
          missing.map((d) => new Date(d)),
        );
        for (const d of missing) this.knownDays.add(d);
      }
      for (const [i, chunk] of chunks(rows, LOG_CHUNK).entries()) {
        if (i > 0) await yieldToEventLoop();
        await this.writeChunk(chunk);
      }
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

/** Rows per statement: a statement of PGlite (in this process) holds the event loop for its length. */
const LOG_CHUNK = 250;

/**
 * Inserts rows skipping those already there (ON CONFLICT DO NOTHING), in
 * statements of LOG_CHUNK rows yielding between them, each row set passed
 * as one JSON parameter (json_to_recordset: about 4× cheaper than bound
 * parameters per row). No transaction is needed: a decision id is written once.
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
  for (const chunk of chunks(ids))
    out.push(
      ...((await db
        .select(columns)
        .from(decisionLog)
        .where(inArray(decisionLog.decisionId, [...chunk]))) as LogRow[]),
    );
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
