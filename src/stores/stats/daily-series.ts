import { sql } from "drizzle-orm";
import type { Database } from "../../adapters/db/client.js";

export interface DailyPoint {
  day: string;
  requests: number;
  hits: number;
  hitRate: number;
  tiers: Record<string, number>;
}

async function rows<T>(db: Database, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows?: T[] } | T[];
  return Array.isArray(result) ? result : (result.rows ?? []);
}

/** Requests, hits and requests per tier for each day in [from, to), from the shipped views' table. */
export async function dailySeries(db: Database, from: Date, to: Date): Promise<DailyPoint[]> {
  const data = await rows<{ day: string; tier: string; requests: number; hits: number }>(
    db,
    sql`select to_char(date_trunc('day', bucket), 'YYYY-MM-DD') as day, tier,
               sum(count)::float8 as requests, coalesce(sum(count) filter (where cached), 0)::float8 as hits
        from routing_stats where bucket >= ${from.toISOString()} and bucket < ${to.toISOString()}
        group by 1, 2 order by 1`,
  );
  const byDay = new Map<string, DailyPoint>();
  for (const r of data) {
    const p = byDay.get(r.day) ?? { day: r.day, requests: 0, hits: 0, hitRate: 0, tiers: {} };
    p.requests += r.requests;
    p.hits += r.hits;
    p.tiers[r.tier] = (p.tiers[r.tier] ?? 0) + r.requests;
    byDay.set(r.day, p);
  }
  for (const p of byDay.values()) p.hitRate = p.requests === 0 ? 0 : p.hits / p.requests;
  return [...byDay.values()];
}

export interface RepeatedQuery {
  key: string;
  sampleText: string | null;
  hits: number;
  tier: string;
}

export async function topRepeatedQueries(db: Database, limit: number): Promise<RepeatedQuery[]> {
  return rows<RepeatedQuery>(db, sql`select key, sample_text as "sampleText", hits::float8 as hits, tier from v_top_repeated_queries limit ${limit}`);
}
