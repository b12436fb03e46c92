/* eslint-disable @typescript-eslint/no-explicit-any -- a counting wrapper around drizzle, bodies checked field by field */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { routingSessions } from "../../src/adapters/db/schema.js";
import { databaseTargets } from "../helpers/databases.js";
import { call, metric } from "../helpers/http.js";
import { defaultTestEncoder, sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

const SESSIONS = 200;

/** The same database, counting the statements that read or write routing_sessions. */
function counting(database: DatabaseHandle) {
  const counts = { reads: 0, writes: 0 };
  const db = new Proxy(database.db as any, {
    get(target, prop) {
      if (prop === "insert") return (table: unknown) => (table === routingSessions && counts.writes++, target.insert(table));
      if (prop === "select")
        return (fields?: unknown) => {
          const q = target.select(fields);
          return new Proxy(q, { get: (t, p) => (p === "from" ? (table: unknown) => (table === routingSessions && counts.reads++, t.from(table)) : t[p]) });
        };
      const value = target[prop];
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { handle: { ...database, db } as DatabaseHandle, counts };
}

// Issue 20, fault 6: a flood of new sessions is read in batches and written behind, so it costs a few statements,
// not two per request; the session store's health is in /metrics.
describe.each(databaseTargets())("a flood of new sessions on $name", (target) => {
  let database: DatabaseHandle;
  let service: TestService;
  let counts: { reads: number; writes: number };

  beforeAll(async () => {
    database = await target.open();
    const wrapped = counting(database);
    counts = wrapped.counts;
    service = await startTestService({ database: wrapped.handle, encoder: defaultTestEncoder(), exemplars: sampleExemplars, config: { session: { policy: "no-downgrade" } } });
  });
  afterAll(async () => {
    await service.deps.lifecycle.stop();
    await database.close();
  });

  it(`${SESSIONS} new sessions at once: every floor stored, in a few statements, and the store's health in /metrics`, async () => {
    const before = { ...counts };
    const passesBefore = metric((await call(service.app, "GET", "/metrics")).body as string, "tierline_embedding_batch_size_count");
    const answers = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => service.route({ query: "What is the capital city of Peru?", sessionId: `flood-${i}` })));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    await service.deps.sessions.settled();
    const stored = await database.db.select({ n: sql<number>`count(*)::int` }).from(routingSessions);
    expect(stored[0]!.n).toBe(SESSIONS);
    // One lookup per session and one write per session before; now a batch each, 500 rows to a write. The floors
    // are looked up once a request's vector is back, and the model answers in micro-batches: the requests of one
    // pass go on in the same turn, so each pass starts at most one read, and a read in flight gathers the keys of
    // the passes that end meanwhile. How many passes share a read depends on the machine's speed (12-13 reads of
    // 26 passes here when idle, 17-22 beside other test files), so the bound is one read per pass, and a quarter of
    // the sessions at most (one per session is what batching removed).
    const text = (await call(service.app, "GET", "/metrics")).body as string;
    const passes = metric(text, "tierline_embedding_batch_size_count") - passesBefore;
    expect(counts.reads - before.reads).toBeLessThanOrEqual(Math.min(passes, SESSIONS / 4));
    expect(counts.writes - before.writes).toBeLessThanOrEqual(SESSIONS / 10);

    expect(metric(text, "tierline_sessions_held")).toBe(SESSIONS);
    expect(metric(text, "tierline_session_pending", { kind: "write" })).toBe(0);
    expect(metric(text, "tierline_session_dropped_total", { kind: "write" })).toBe(0);
    for (const name of ["tierline_session_read_misses_total", "tierline_session_write_failures_total", "tierline_session_dropped_total", "tierline_session_pending"])
      expect(text).toContain(`# TYPE ${name}`);
  });
});
