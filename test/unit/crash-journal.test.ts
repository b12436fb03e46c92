import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CrashJournal } from "../../src/stores/decision-log/crash-journal.js";

const dir = () => mkdtempSync(path.join(tmpdir(), "tierline-journal-"));

// Issue 20, fault 11: what a killed process leaves unwritten is found by the next one.
describe("CrashJournal", () => {
  it("hands the next process every id it did not count as dropped (the table says which were written), and deletes what it read", () => {
    const d = dir();
    const first = new CrashJournal(d);
    expect(first.start()).toEqual({ files: 0, ids: [] });
    for (const id of ["a", "b", "c"]) first.record(id);
    first.rotate();
    for (const id of ["d", "e", "f"]) first.record(id);
    first.settle(["a", "d"], false); // written
    first.settle(["b"], true); // dropped and counted
    // killed here: no close()
    const second = new CrashJournal(d);
    const previous = second.start();
    // "a" and "d" were written: the decision log finds them in the table; "b" was counted when it was dropped.
    expect(previous.ids.sort()).toEqual(["a", "c", "d", "e", "f"]);
    expect(previous.files).toBe(2);
    expect(readdirSync(d)).toHaveLength(1); // only the new process's file
    expect(new CrashJournal(d).start().ids).toEqual([]);
  });

  it("deletes a file once it and every older one is settled, never the current one; a clean close leaves nothing", () => {
    const d = dir();
    const j = new CrashJournal(d);
    j.start();
    j.record("a");
    j.rotate();
    j.record("b");
    j.rotate();
    j.record("c");
    expect(readdirSync(d)).toHaveLength(3);
    j.settle(["b"], false);
    expect(readdirSync(d)).toHaveLength(3); // "a" still open in the oldest
    j.settle(["a"], true);
    // Oldest two retired; the "-a" line lives in the current file, which stays.
    expect(readdirSync(d)).toHaveLength(1);
    j.close();
    expect(readdirSync(d)).toEqual([]);
  });

  it("writes the ids of one turn together at its end, and each caller's promise settles only once its id is on disk", async () => {
    const d = dir();
    const j = new CrashJournal(d);
    j.start();
    const [file] = readdirSync(d);
    const onDisk = () => readFileSync(path.join(d, file!), "utf8");
    const first = j.record("a");
    const second = j.record("b");
    expect(first).toBe(second); // one write for the turn
    expect(onDisk()).toBe("");
    let settled = false;
    void first!.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false); // not before the write
    await first;
    expect(onDisk()).toBe("a\nb\n");
    // The next turn is a new write; a settle in between writes what is pending first, so "-c" follows "c".
    const third = j.record("c");
    expect(third).not.toBe(first);
    j.settle(["c"], true);
    expect(onDisk()).toBe("a\nb\nc\n-c\n");
    await third;
    expect(onDisk()).toBe("a\nb\nc\n-c\n");
  });

  it("keeps decisions made before start and journals them when it starts", () => {
    const d = dir();
    const j = new CrashJournal(d);
    j.record("early");
    j.start();
    expect(new CrashJournal(d).start().ids).toEqual(["early"]);
  });

  it("a journal that cannot be written turns itself off, once, and never fails the decision", () => {
    const file = path.join(dir(), "not-a-dir");
    writeFileSync(file, "");
    const errors: unknown[] = [];
    const j = new CrashJournal(path.join(file, "decision-log"), 10, (err) => errors.push(err));
    j.record("early");
    expect(j.start()).toEqual({ files: 0, ids: [] });
    expect(() => {
      j.record("a");
      j.rotate();
      j.settle(["a"], true);
      j.close();
    }).not.toThrow();
    expect(errors).toHaveLength(1);
  });
});
