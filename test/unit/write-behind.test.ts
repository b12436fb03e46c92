import { classifyDatabaseError, isRefusedWrite } from "../../src/adapters/db/db-errors.js";
import { describe, expect, it } from "vitest";
import { WriteBehind, type WriteBehindOptions } from "../../src/base/util/write-behind.js";

class Rows extends WriteBehind<{ key: string }> {
  put(key: string) {
    this.add({ key });
  }
  protected keyOf(row: { key: string }) {
    return row.key;
  }
  protected combine(a: { key: string }) {
    return a;
  }
}

/** A database error as postgres.js and PGlite throw it: a SQLSTATE in `code`. */
const pgError = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code });

/** A fake table: refuses a statement holding any key in `bad` (as PostgreSQL refuses the whole statement), records the rest. */
function table(bad: Set<string>, failWith = () => pgError("22P05")) {
  const written: string[] = [];
  const statements: number[] = [];
  const write = async (rows: readonly { key: string }[]) => {
    statements.push(rows.length);
    if (rows.some((r) => bad.has(r.key))) throw failWith();
    written.push(...rows.map((r) => r.key));
  };
  return { written, statements, write };
}

const options: WriteBehindOptions = { flushIntervalMs: 60_000, maxKeys: 10_000, isRefusal: isRefusedWrite };

describe("WriteBehind: refused rows", () => {
  it("sets each refused row aside and writes every other row exactly once", async () => {
    const t = table(new Set(["k13", "k77"]));
    const w = new Rows(t.write, options);
    for (let i = 0; i < 100; i++) w.put(`k${i}`);
    await w.flush();
    expect(w.deadLetters).toBe(2);
    expect(w.pendingCount).toBe(0);
    expect(w.failedFlushes).toBe(0);
    expect([...t.written].sort()).toEqual(
      Array.from({ length: 100 }, (_, i) => `k${i}`)
        .filter((k) => k !== "k13" && k !== "k77")
        .sort(),
    );
    // Halving: a few statements per bad row, not one per row.
    expect(t.statements.length).toBeLessThan(30);
  });

  it("keeps every row for the next attempt when the failure is not a refusal (the database away)", async () => {
    const t = table(new Set(["k1"]), () => pgError("57P03"));
    const w = new Rows(t.write, options);
    for (let i = 0; i < 4; i++) w.put(`k${i}`);
    await w.flush();
    expect(w.deadLetters).toBe(0);
    expect(w.pendingCount).toBe(4);
    expect(w.failedFlushes).toBe(1);
  });

  it("stops halving when the database goes away part-way, and keeps what it did not write", async () => {
    let calls = 0;
    const written: string[] = [];
    const w = new Rows(async (rows) => {
      calls++;
      if (calls === 1) throw pgError("22003"); // the whole batch: refused
      if (calls === 2) return void written.push(...rows.map((r) => r.key)); // first half: fine
      throw pgError("08006"); // then the connection is lost
    }, options);
    for (let i = 0; i < 8; i++) w.put(`k${i}`);
    await w.flush();
    expect(written).toEqual(["k0", "k1", "k2", "k3"]);
    expect(w.deadLetters).toBe(0);
    expect(w.pendingRows().map((r) => r.key)).toEqual(["k4", "k5", "k6", "k7"]);
  });

  it("without a refusal test, every failure is retried as before", async () => {
    const t = table(new Set(["k0"]));
    const w = new Rows(t.write, { flushIntervalMs: 60_000, maxKeys: 10 });
    w.put("k0");
    await w.flush();
    expect(w.pendingCount).toBe(1);
    expect(w.deadLetters).toBe(0);
  });
});

describe("classifyDatabaseError", () => {
  it("a server that is starting, stopping, recovering, full or read-only is unavailable, not a bug", () => {
    for (const code of ["57P01", "57P02", "57P03", "53300", "25006", "08006", "08001", "ECONNREFUSED", "CONNECTION_CLOSED"])
      expect(classifyDatabaseError(pgError(code)), code).toBe("unavailable");
    expect(classifyDatabaseError({ message: "x", cause: pgError("57P03") })).toBe("unavailable");
  });

  it("a value the database cannot take is a refusal; a duplicate key stays a unique violation; the rest is a bug", () => {
    for (const code of ["22P05", "22003", "22021", "23502", "54000"]) expect(classifyDatabaseError(pgError(code)), code).toBe("refused");
    expect(classifyDatabaseError(pgError("23505"))).toBe("unique_violation");
    expect(classifyDatabaseError(pgError("42P01"))).toBeNull();
    expect(classifyDatabaseError(new Error("database down"))).toBeNull();
  });
});

class Counter extends WriteBehind<{ key: string; n: number }> {
  add1(key: string) {
    this.add({ key, n: 1 });
  }
  protected keyOf(row: { key: string }) {
    return row.key;
  }
  protected combine(a: { key: string; n: number }, b: { key: string; n: number }) {
    return { key: a.key, n: a.n + b.n };
  }
  protected override weightOf(row: { n: number }) {
    return row.n;
  }
}

describe("WriteBehind.stop", () => {
  it("gives up on a database that never answers within its bound and counts what was lost", async () => {
    const writer = new Counter(() => new Promise<never>(() => {}), { flushIntervalMs: 60_000, maxKeys: 10 });
    writer.add1("a");
    writer.add1("a");
    writer.add1("b");
    const started = Date.now();
    await writer.stop(100);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(writer.dropped).toBe(3);
  });
});
