import { and, desc, eq, sql } from "drizzle-orm";
import type { Database } from "../../adapters/db/client.js";
import { decisionCache } from "../../adapters/db/schema.js";
import { chunks } from "../../adapters/db/chunks.js";
import { isDecisionReason, type Verdict } from "../../routing/decision.js";

/** One key's pending change: the latest verdict plus how many hits to add. */
export interface CacheRowUpdate extends Verdict {
  key: string;
  modelId: string;
  hits: number;
  firstSeen: Date;
  lastSeen: Date;
  queryText: string | null;
}

/**
 * Upserts a flush in one transaction (chunks of 500 rows per statement).
 * Hits accumulate, so a flush must apply entirely or not at all: a retry
 * after a partial write would count hits twice. The decision columns take
 * the newest values (a recomputation after an exemplar change replaces them).
 */
export async function upsertCacheRows(db: Database, rows: readonly CacheRowUpdate[]): Promise<void> {
  if (rows.length === 0) return;
  await db.transaction(async (tx) => {
    for (const chunk of chunks(rows)) {
      await tx
        .insert(decisionCache)
        .values(chunk.map((r) => ({ ...r })))
        .onConflictDoUpdate({
          target: decisionCache.key,
          set: {
            modelId: sql`excluded.model_id`,
            revision: sql`excluded.revision`,
            tier: sql`excluded.tier`,
            confidence: sql`excluded.confidence`,
            margin: sql`excluded.margin`,
            reason: sql`excluded.reason`,
            hits: sql`${decisionCache.hits} + excluded.hits`,
            firstSeen: sql`least(${decisionCache.firstSeen}, excluded.first_seen)`,
            lastSeen: sql`greatest(${decisionCache.lastSeen}, excluded.last_seen)`,
            queryText: sql`coalesce(excluded.query_text, ${decisionCache.queryText})`,
          },
        });
    }
  });
}

/**
 * The most recently used verdicts for this model and revision, to warm the
 * in-memory cache. Rows with a reason this version does not know (written by
 * another version) are skipped rather than replayed.
 */
export async function loadRecentVerdicts(db: Database, modelId: string, revision: number, limit: number): Promise<Array<Verdict & { key: string }>> {
  const rows = await db
    .select({
      key: decisionCache.key,
      revision: decisionCache.revision,
      tier: decisionCache.tier,
      confidence: decisionCache.confidence,
      margin: decisionCache.margin,
      reason: decisionCache.reason,
    })
    .from(decisionCache)
    .where(and(eq(decisionCache.modelId, modelId), eq(decisionCache.revision, revision)))
    .orderBy(desc(decisionCache.lastSeen))
    .limit(limit);
  return rows.flatMap(({ reason, ...row }) => (isDecisionReason(reason) ? [{ ...row, reason }] : []));
}
