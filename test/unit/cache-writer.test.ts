import { describe, expect, it } from "vitest";
import type { CacheRowUpdate } from "../../src/stores/cache/cache-repository.js";
import { CacheWriter } from "../../src/stores/cache/cache-writer.js";

const row = (key: string, hits: number, at: number, tier = "fast"): CacheRowUpdate => ({
  key,
  modelId: "m",
  revision: 1,
  tier,
  confidence: 0.9,
  margin: 0.8,
  reason: "knn",
  hits,
  firstSeen: new Date(at),
  lastSeen: new Date(at),
  queryText: null,
});

describe("CacheWriter", () => {
  it("merges updates to one key: hits add up, newest decision wins, first/last seen span both", async () => {
    const written: CacheRowUpdate[][] = [];
    const writer = new CacheWriter(async (rows) => void written.push([...rows]), { maxKeys: 10, flushIntervalMs: 1000 });
    writer.record(row("a", 0, 1000, "fast"));
    writer.record(row("a", 1, 3000, "standard"));
    writer.record(row("a", 1, 2000, "premium"));
    writer.record(row("b", 0, 1500));
    await writer.flush();
    expect(written).toHaveLength(1);
    const a = written[0]!.find((r) => r.key === "a")!;
    expect(a.hits).toBe(2);
    expect(a.tier).toBe("standard");
    expect(a.firstSeen.getTime()).toBe(1000);
    expect(a.lastSeen.getTime()).toBe(3000);
    expect(writer.pendingCount).toBe(0);
  });

  it("bounds the queue: beyond the limit the oldest keys are dropped and counted", () => {
    const writer = new CacheWriter(async () => {}, { maxKeys: 3, flushIntervalMs: 1000 });
    for (let i = 0; i < 5; i++) writer.record(row(`k${i}`, 0, i));
    expect(writer.pendingCount).toBe(3);
    expect(writer.dropped).toBe(2);
  });

  it("re-queues rows when a flush fails and writes them on the next flush", async () => {
    let fail = true;
    const written: CacheRowUpdate[] = [];
    const writer = new CacheWriter(
      async (rows) => {
        if (fail) throw new Error("database down");
        written.push(...rows);
      },
      { maxKeys: 10, flushIntervalMs: 1000 },
    );
    writer.record(row("a", 1, 1));
    await writer.flush();
    expect(writer.failedFlushes).toBe(1);
    expect(writer.pendingCount).toBe(1);
    writer.record(row("a", 1, 2));
    fail = false;
    await writer.stop();
    expect(written).toHaveLength(1);
    expect(written[0]!.hits).toBe(2);
  });

  it("flushes on its timer once started", async () => {
    const written: CacheRowUpdate[] = [];
    const writer = new CacheWriter(async (rows) => void written.push(...rows), { maxKeys: 10, flushIntervalMs: 10 });
    writer.start();
    writer.record(row("a", 0, 1));
    await new Promise((r) => setTimeout(r, 60));
    // Written by the timer: nothing here calls flush() or stop().
    expect(written.map((r) => r.key)).toEqual(["a"]);
    await writer.stop();
  });
});

describe("CacheWriter at shutdown with the database away", () => {
  it("counts what it could not write as dropped instead of losing it silently", async () => {
    const writer = new CacheWriter(
      async () => {
        throw new Error("database down");
      },
      { maxKeys: 10, flushIntervalMs: 1000 },
    );
    writer.record(row("a", 1, 1));
    writer.record(row("b", 1, 1));
    await writer.stop();
    expect(writer.dropped).toBe(2);
    expect(writer.pendingCount).toBe(0);
  });
});
