import { describe, expect, it } from "vitest";
import { SessionReader } from "../../src/stores/sessions/session-reader.js";

const row = (key: string) => ({ key, tier: "premium", expiresAt: new Date(2_000_000_000_000) });

// Issue 20, fault 6: a flood of new sessions costs one read at a time, and a bounded number of keys wait for it.
describe("SessionReader", () => {
  it("reads the keys of one turn together, and batches those asked for while a read is out into the next: one statement at a time", async () => {
    const reads: string[][] = [];
    let release: () => void = () => {};
    const reader = new SessionReader(async (keys) => {
      reads.push(keys);
      if (reads.length === 1) await new Promise<void>((r) => (release = r));
      return keys.filter((k) => k !== "none").map(row);
    }, 100);
    const firsts = [reader.get("a"), reader.get("a2")];
    expect(reads).toEqual([]); // not before the turn ends
    await new Promise((r) => setImmediate(r));
    expect(reads).toEqual([["a", "a2"]]);
    const more = ["b", "c", "none", "b"].map((k) => reader.get(k));
    release();
    const answers = await Promise.all([...firsts, ...more]);
    expect(reads).toEqual([
      ["a", "a2"],
      ["b", "c", "none"],
    ]);
    expect(answers.map((a) => (a === null ? null : a?.tier))).toEqual(["premium", "premium", "premium", "premium", null, "premium"]);
  });

  it("beyond maxPending waiting keys a new session is not looked up (undefined, counted)", async () => {
    let release: () => void = () => {};
    const reader = new SessionReader(async (keys) => {
      await new Promise<void>((r) => (release = r));
      return keys.map(row);
    }, 2);
    const out = reader.get("out");
    await new Promise((r) => setImmediate(r)); // in flight
    const waiting = [reader.get("w1"), reader.get("w2")];
    expect(await reader.get("w3")).toBeUndefined();
    expect(reader.skipped).toBe(1);
    expect(reader.pending).toBe(2);
    release();
    await out;
    release();
    expect((await Promise.all(waiting)).every((a) => a?.tier === "premium")).toBe(true);
  });

  it("a failed read answers undefined to its waiters, and the next read goes out", async () => {
    let fail = true;
    const reader = new SessionReader(async (keys) => {
      if (fail) throw new Error("database away");
      return keys.map(row);
    }, 10);
    expect(await reader.get("a")).toBeUndefined();
    fail = false;
    expect((await reader.get("a"))?.tier).toBe("premium");
  });
});
