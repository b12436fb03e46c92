import { describe, expect, it } from "vitest";
import { DatabaseGuard, DatabaseUnavailableError, Deadline } from "../../src/adapters/db/database-guard.js";
import { PriorityEncoder } from "../../src/adapters/embeddings/priority-encoder.js";
import { RateLimiter } from "../../src/http/rate-limit.js";
import { normalizeBounded, normalizeQuery } from "../../src/base/text/normalize.js";
import { WriteBehind } from "../../src/base/util/write-behind.js";
import { createFakeEncoder } from "../helpers/fake-encoder.js";

describe("normalizeBounded", () => {
  it("equals the full normalisation cut to the limit for real text", () => {
    const text = "Ｆｕｌｌ-width   text\twith  spaces ".repeat(300);
    const { text: out, truncated } = normalizeBounded(text, 2048);
    expect(out).toBe(normalizeQuery(text).slice(0, 2048));
    expect(truncated).toBe(true);
    expect(normalizeBounded("  short  query ", 2048)).toEqual({ text: "short query", truncated: false });
  });

  it("caps combining-mark storms, so a hostile megabyte costs the same as a short query", () => {
    const storm = "a" + "\u0316\u0301".repeat(250_000);
    const { text, truncated } = normalizeBounded(storm, 2048);
    expect(truncated).toBe(true);
    expect(text.length).toBeLessThanOrEqual(31);
    // Stream-safe text format: at most 30 marks after a base character, even without the length cut.
    expect(normalizeQuery("a" + "\u0301".repeat(100)).length).toBeLessThanOrEqual(31);
  });

  it("routes a query padded with megabytes of leading blanks", () => {
    expect(normalizeBounded(" ".repeat(1_000_000) + "What is 2+2?", 2048)).toEqual({ text: "What is 2+2?", truncated: false });
  });
});

describe("DatabaseGuard", () => {
  it("answers a stuck operation within the timeout, says what the caller may assume, and fails fast during the cooldown", async () => {
    const guard = new DatabaseGuard({ timeoutMs: 50, cooldownMs: 10_000 });
    const never = () => new Promise<never>(() => {});
    const started = Date.now();
    const err = await guard.run("unknown", never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as DatabaseUnavailableError).outcome).toBe("unknown");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(guard.available).toBe(false);
    let ran = false;
    const fast = await guard.run("not_applied", async () => (ran = true)).catch((e: unknown) => e);
    expect((fast as DatabaseUnavailableError).outcome).toBe("not_applied");
    expect(ran).toBe(false);
  });

  it("maps a lost connection to database unavailable and trips; passes other errors through", async () => {
    const guard = new DatabaseGuard({ timeoutMs: 1000, cooldownMs: 0 });
    let tripped = 0;
    guard.onTrip(() => tripped++);
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    await expect(guard.run("not_applied", async () => Promise.reject(refused))).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(tripped).toBe(1);
    const bug = new TypeError("a bug");
    await expect(guard.run("not_applied", async () => Promise.reject(bug))).rejects.toBe(bug);
    expect(tripped).toBe(1);
  });

  it("does not treat a slow query as an outage when the database still answers a probe", async () => {
    let alive = true;
    const guard = new DatabaseGuard({ timeoutMs: 30, cooldownMs: 10_000, probe: async () => (alive ? undefined : Promise.reject(new Error("no answer"))) });
    await expect(guard.run("not_applied", () => new Promise<never>(() => {}))).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await new Promise((r) => setTimeout(r, 5));
    expect(guard.available).toBe(true);
    alive = false;
    await expect(guard.run("not_applied", () => new Promise<never>(() => {}))).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await new Promise((r) => setTimeout(r, 5));
    expect(guard.available).toBe(false);
  });

  it("a deadline refuses work once passed", async () => {
    const d = Deadline.after(20);
    expect(() => d.check()).not.toThrow();
    await new Promise((r) => setTimeout(r, 30));
    expect(() => d.check()).toThrow(DatabaseUnavailableError);
  });
});

describe("RateLimiter", () => {
  it("allows perMinute events, then says how long to wait, and refills over time", () => {
    const limiter = new RateLimiter(3);
    const t0 = 1_000_000;
    expect([limiter.take("a", t0), limiter.take("a", t0), limiter.take("a", t0)]).toEqual([0, 0, 0]);
    expect(limiter.take("a", t0)).toBe(20);
    expect(limiter.take("b", t0)).toBe(0); // keys are independent
    expect(limiter.take("a", t0 + 20_000)).toBe(0);
  });

  it("forgets the least recently used keys beyond its bound", () => {
    const limiter = new RateLimiter(1, 2);
    limiter.take("a", 0);
    limiter.take("b", 0);
    limiter.take("c", 0); // evicts a
    expect(limiter.blockedFor("a", 0)).toBe(0);
    expect(limiter.blockedFor("c", 0)).toBeGreaterThan(0);
  });
});

describe("PriorityEncoder", () => {
  it("runs one forward pass at a time, slices bulk work, and lets an interactive query jump the bulk queue", async () => {
    const fake = createFakeEncoder({ dimensions: 8 });
    const calls: string[][] = [];
    const inner = { ...fake, embed: async (texts: readonly string[]) => (calls.push([...texts]), fake.embed(texts)) };
    const lane = new PriorityEncoder(inner, { bulkSlice: 2 });
    const bulk = lane.embed(["b1", "b2", "b3", "b4", "b5", "b6"], { priority: "bulk" });
    const query = lane.embed(["q"]);
    const [bulkVectors, [queryVector]] = await Promise.all([bulk, query]);
    expect(bulkVectors).toHaveLength(6);
    expect(queryVector).toHaveLength(8);
    expect(calls[0]).toEqual(["b1", "b2"]); // already running when the query arrived
    expect(calls[1]).toEqual(["q"]); // next, ahead of the rest of the bulk work
    expect(calls.slice(2)).toEqual([["b3", "b4"], ["b5", "b6"]]);
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

describe("PriorityEncoder under saturating traffic", () => {
  it("runs a bulk slice after every few interactive jobs, so curation is slowed but never starved", async () => {
    const fake = createFakeEncoder({ dimensions: 8 });
    const calls: string[] = [];
    const inner = { ...fake, embed: async (texts: readonly string[]) => (calls.push(texts[0]!), fake.embed(texts)) };
    const lane = new PriorityEncoder(inner, { bulkSlice: 1, every: 3 });
    const first = lane.embed(["q0"]); // the lane is busy with it while the rest queue
    const bulk = lane.embed(["b1", "b2"], { priority: "bulk" });
    const queries = Array.from({ length: 7 }, (_, i) => lane.embed([`q${i + 1}`]));
    await Promise.all([first, bulk, ...queries]);
    expect(calls).toEqual(["q0", "q1", "q2", "b1", "q3", "q4", "q5", "b2", "q6", "q7"]);
  });
});

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
