import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DatabaseHandle } from "../../src/adapters/db/client.js";
import { classifyDatabaseError } from "../../src/adapters/db/db-errors.js";
import { PgliteThread } from "../../src/adapters/db/pglite-thread.js";

/** The rows of a drizzle `execute` result (its type is left open for either driver). */
const rowsOf = (result: unknown) => (result as { rows: Array<Record<string, unknown>> }).rows;

/** The embedded database runs in a worker thread (issue 22): it must behave as PGlite in this thread did. */
describe("PGlite in its own thread", () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openDatabase({ dataDir: "memory" });
    await handle.db.execute(sql`create table t (id int primary key, note text)`);
  });
  afterAll(() => handle.close());

  it("returns the same rows as PGlite in this thread, through drizzle", async () => {
    const query = sql`select 1::int8 as big, 2.5::numeric as num, '{"a":[1,2]}'::jsonb as doc, '\\x01ff'::bytea as bytes,
      '2026-12-06 06:00:00+00'::timestamptz as at, array['2026-12-06 06:00:00+00'::timestamptz] as ats, array['x','y'] as words,
      null::text as nothing, true as yes, 0.25::real as share`;
    const local = await PGlite.create();
    try {
      const expected = rowsOf(await drizzle(local).execute(query));
      expect(rowsOf(await handle.db.execute(query))).toEqual(expected);
      // drizzle keeps timestamps as PostgreSQL's text (its own parsers, applied on this side of the thread).
      expect(expected[0]!.at).toBe("2026-12-06 06:00:00+00");
    } finally {
      await local.close();
    }
  });

  it("leaves the event loop free while a statement runs", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      // About a second of work for PostgreSQL; in this thread no timer could fire until it ended.
      await handle.db.execute(sql`select count(*) from generate_series(1, 2000000) g where g % 7 = 3`);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(10);
  });

  it("keeps a SQLSTATE on its errors", async () => {
    await handle.db.execute(sql`insert into t values (1, 'one')`);
    const err = await handle.db.execute(sql`insert into t values (1, 'again')`).catch((e: unknown) => e);
    expect(classifyDatabaseError(err)).toBe("unique_violation");
  });

  it("rolls a transaction back when its callback throws, and keeps other work out until it ends", async () => {
    await expect(
      handle.db.transaction(async (tx) => {
        await tx.execute(sql`insert into t values (2, 'rolled back')`);
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const committed = handle.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t values (3, 'three')`);
      await held;
    });
    // Sent while the transaction is open: it must see the transaction's outcome, not its middle.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const outside = handle.db.execute(sql`select id from t where id = 3`);
    let answered = false;
    void outside.then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);
    release();
    await committed;
    expect(rowsOf(await outside)).toEqual([{ id: 3 }]);
    expect(rowsOf(await handle.db.execute(sql`select id from t where id = 2`))).toEqual([]);
  });

  it("never lets a statement sent as a transaction begins run inside it", async () => {
    // The COPY's blob is read before it is sent; a transaction that began meanwhile must not take it in.
    const copied = handle.copyRows!("t", ["id", "note"], "200,outside\n");
    const rolledBack = handle.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t values (201, 'inside')`);
      throw new Error("roll back");
    });
    const queried = handle.db.execute(sql`insert into t values (202, 'outside too')`);
    await Promise.all([copied, queried, rolledBack.catch(() => {})]);
    expect(rowsOf(await handle.db.execute(sql`select id from t where id between 200 and 202 order by id`))).toEqual([{ id: 200 }, { id: 202 }]);
  });

  it("bulk-loads CSV with COPY, all or nothing", async () => {
    await handle.copyRows!("t", ["id", "note"], '10,ten\n11,"eleven, with a comma"\n');
    expect(rowsOf(await handle.db.execute(sql`select note from t where id between 10 and 12 order by id`))).toEqual([{ note: "ten" }, { note: "eleven, with a comma" }]);
    const err = await handle.copyRows!("t", ["id", "note"], "12,twelve\n10,ten again\n").catch((e: unknown) => e);
    expect(classifyDatabaseError(err)).toBe("unique_violation");
    expect(rowsOf(await handle.db.execute(sql`select id from t where id = 12`))).toEqual([]);
  });

  it("collects its thread's garbage between calls and keeps serving", async () => {
    const before = handle.db.execute(sql`select count(*)::int as n from t`);
    await handle.collectGarbage!();
    expect(rowsOf(await before)[0]!.n).toBeGreaterThan(0);
    expect(rowsOf(await handle.db.execute(sql`select 1 as one`))).toEqual([{ one: 1 }]);
  });

  it("delivers notifications until unsubscribed", async () => {
    const got: string[] = [];
    const unsubscribe = await handle.listen("thread_test", (payload) => got.push(payload));
    await handle.db.execute(sql`select pg_notify('thread_test', 'first')`);
    await unsubscribe();
    await handle.db.execute(sql`select pg_notify('thread_test', 'second')`);
    await handle.ping();
    expect(got).toEqual(["first"]);
  });
});

describe("PGlite thread lifecycle", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "tierline-pglite-thread-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps what was written in its data dir across a close and a reopen", async () => {
    const first = await openDatabase({ dataDir: dir });
    await first.db.execute(sql`create table kept (v text)`);
    await first.db.execute(sql`insert into kept values ('still here')`);
    await first.close();
    const again = await openDatabase({ dataDir: dir });
    try {
      expect(rowsOf(await again.db.execute(sql`select v from kept`))).toEqual([{ v: "still here" }]);
    } finally {
      await again.close();
    }
  });

  it("answers every call after close as a lost database", async () => {
    const handle = await openDatabase({ dataDir: "memory" });
    await handle.close();
    const err = await handle.db.execute(sql`select 1`).catch((e: unknown) => e);
    expect(classifyDatabaseError(err)).toBe("unavailable");
    await handle.close();
  });

  it("in memory, fails the calls in flight and every later one when its thread dies (there is nothing to reopen)", async () => {
    const thread = await PgliteThread.open({ dataDir: "memory", postgresqlconf: [] });
    const inFlight = thread.query("select count(*) from generate_series(1, 5000000)");
    await killThread(thread);
    await expect(inFlight).rejects.toThrow(/PGlite is closed: its thread exited/);
    const later = await thread.query("select 1").catch((e: unknown) => e);
    expect(classifyDatabaseError(later)).toBe("unavailable");
    await new Promise((r) => setTimeout(r, 1000));
    expect(classifyDatabaseError(await thread.query("select 1").catch((e: unknown) => e))).toBe("unavailable");
    await thread.close();
  });

  it("reopens its data dir when its thread dies: a lost database meanwhile, then what was committed, its subscriptions renewed", async () => {
    const events: string[] = [];
    const thread = await PgliteThread.open(
      { dataDir: path.join(dir, "reopened"), postgresqlconf: [] },
      { onDeath: () => events.push("death"), onReopened: () => events.push("reopened") },
    );
    try {
      await thread.exec("create table r (v int)");
      await thread.exec("insert into r values (1)");
      const heard: string[] = [];
      let reconnects = 0;
      await thread.listen(
        "reopen_test",
        (payload) => heard.push(payload),
        () => reconnects++,
      );
      const uncommitted = thread.exec("insert into r select g from generate_series(2, 3000000) g").catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 200));
      await killThread(thread);
      expect(classifyDatabaseError(await uncommitted)).toBe("unavailable");
      expect(classifyDatabaseError(await thread.query("select 1").catch((e: unknown) => e))).toBe("unavailable");

      await eventually(() => thread.query("select 1"));
      expect(events).toEqual(["death", "reopened"]);
      expect(reconnects).toBe(1);
      expect((await thread.query<{ n: number }>("select count(*)::int as n, max(v) as top from r")).rows).toEqual([{ n: 1, top: 1 }]);
      await thread.exec("select pg_notify('reopen_test', 'after')");
      await thread.query("select 1");
      expect(heard).toEqual(["after"]);

      // A second death is survived too.
      await killThread(thread);
      await eventually(() => thread.query("select 1"));
      expect(events).toEqual(["death", "reopened", "death", "reopened"]);
    } finally {
      await thread.close();
    }
    expect(classifyDatabaseError(await thread.query("select 1").catch((e: unknown) => e))).toBe("unavailable");
  });

  it("stops reopening for good once closed", async () => {
    const events: string[] = [];
    const thread = await PgliteThread.open({ dataDir: path.join(dir, "closed-while-dead"), postgresqlconf: [] }, { onReopened: () => events.push("reopened") });
    await killThread(thread);
    await thread.close();
    await new Promise((r) => setTimeout(r, 2000));
    expect(events).toEqual([]);
    expect(classifyDatabaseError(await thread.query("select 1").catch((e: unknown) => e))).toBe("unavailable");
  });
});

/** The thread is private; ending it from outside stands in for a crash of the WASM runtime. */
async function killThread(thread: PgliteThread): Promise<void> {
  await (thread as unknown as { link: { worker: { terminate(): Promise<number> } } }).link.worker.terminate();
}

/** Retries `attempt` until it resolves (20 s at most). */
async function eventually<T>(attempt: () => Promise<T>): Promise<T> {
  const until = Date.now() + 20_000;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
