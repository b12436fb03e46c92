import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

interface Segment {
  file: string;
  fd: number;
  /** Ids recorded in this file and not yet written or counted. */
  open: Set<string>;
}

const SEGMENT = /^\d{15}-\d{8}\.ids$/;

/**
 * What a crash takes with it, counted at the next start. The decision log is
 * written behind, so a process killed (kill -9, OOM) loses the decisions in
 * its buffer. This journal appends each decision's id to a file in
 * dataDir/decision-log as the decision is made, before it is answered (one
 * small write, no fsync: it survives the process, not the machine), and a
 * `-id` line when a decision is counted as dropped instead (buffer full,
 * refused, unwritable at shutdown). The ids of one event-loop turn go in one
 * write at its end (setImmediate), and record() returns the promise of that
 * write: the caller answers after it, so "before it is answered" holds while
 * a busy turn pays one system call, not one per decision (a write per
 * decision was about 7 % of the main thread under repeats, issue 22). Every
 * other operation writes what is pending first, so the files keep their
 * order. A new file starts at every flush; a file
 * is deleted once every id in it and in every older file has been written or
 * counted. A clean stop deletes them all. At start, the ids left behind that
 * were not counted and are not in the table were lost with the process.
 */
export class CrashJournal {
  private readonly segments: Segment[] = [];
  private readonly segmentOf = new Map<string, Segment>();
  /** Ids recorded before start() (decisions made while the service warms up). */
  private early: string[] | null = [];
  private next = 1;
  /** Names this process's files apart from any other's (a test runs two services on one data dir). */
  private readonly run = String(Date.now()).padStart(15, "0");

  /** Ids recorded this turn, not yet written; `written` settles once they are. */
  private pending: string[] = [];
  private written: Promise<void> | undefined;
  private resolveWritten: (() => void) | undefined;

  /** Set once writing the journal failed (disk full, permissions): from then on it is off, and routing is unaffected. */
  private failed = false;

  constructor(
    private readonly dir: string,
    /** Most ids kept before start() (the writer's own queue bound: beyond it the writer drops them too). */
    private readonly maxEarly = 50_000,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Runs a file operation; the first failure turns the journal off (reported once), never the request that made the decision. */
  private guarded(op: () => void): void {
    if (this.failed) return;
    try {
      op();
    } catch (err) {
      this.failed = true;
      this.onError(err);
    }
  }

  /**
   * Takes over what the previous process left (reads and deletes its files)
   * and starts this one's. Returns the previous process's ids that it neither
   * saw written nor counted: to be looked up in the table.
   */
  start(): { files: number; ids: string[] } {
    let previous = { files: 0, ids: [] as string[] };
    const early = this.early ?? [];
    this.guarded(() => (previous = this.takeOver()));
    this.early = null;
    for (const id of early) void this.record(id);
    this.writePending();
    return previous;
  }

  private takeOver(): { files: number; ids: string[] } {
    mkdirSync(this.dir, { recursive: true });
    const files = readdirSync(this.dir)
      .filter((f) => SEGMENT.test(f))
      .sort();
    const recorded = new Set<string>();
    const counted = new Set<string>();
    for (const f of files) {
      for (const line of readFileSync(path.join(this.dir, f), "utf8").split("\n")) {
        if (line.startsWith("-")) counted.add(line.slice(1));
        else if (line !== "") recorded.add(line);
      }
    }
    for (const f of files) rmSync(path.join(this.dir, f), { force: true });
    this.open();
    return { files: files.length, ids: [...recorded].filter((id) => !counted.has(id)) };
  }

  /** Journals a decision's id; resolves once it is written (at the end of this turn), never rejects. Answer after it. */
  record(id: string): Promise<void> | undefined {
    if (this.early) {
      if (this.early.length >= this.maxEarly) this.early.shift();
      this.early.push(id);
      return undefined;
    }
    if (this.failed) return undefined;
    this.pending.push(id);
    if (this.written === undefined) {
      this.written = new Promise((resolve) => (this.resolveWritten = resolve));
      setImmediate(() => this.writePending());
    }
    return this.written;
  }

  /** Writes this turn's ids in one write and lets their callers answer. */
  private writePending(): void {
    const ids = this.pending;
    const done = this.resolveWritten;
    this.pending = [];
    this.written = undefined;
    this.resolveWritten = undefined;
    if (ids.length > 0)
      this.guarded(() => {
        const segment = this.segments.at(-1)!;
        writeSync(segment.fd, `${ids.join("\n")}\n`);
        for (const id of ids) {
          segment.open.add(id);
          this.segmentOf.set(id, segment);
        }
      });
    done?.();
  }

  /** A flush starts: decisions from now on go to a new file, so the older ones can be deleted as they are written. */
  rotate(): void {
    if (this.early) return;
    this.writePending();
    if (this.segments.at(-1)?.open.size === 0) return;
    this.guarded(() => this.open());
  }

  /** These decisions are in the table (`counted` false), or were counted as dropped (true). */
  settle(ids: readonly string[], counted: boolean): void {
    if (this.early) return;
    this.writePending();
    this.guarded(() => {
      if (counted && ids.length > 0) writeSync(this.segments.at(-1)!.fd, ids.map((id) => `-${id}\n`).join(""));
      for (const id of ids) {
        this.segmentOf.get(id)?.open.delete(id);
        this.segmentOf.delete(id);
      }
      // Oldest first, never the current one: a "-id" line in a newer file must outlive the id it counts.
      while (this.segments.length > 1 && this.segments[0]!.open.size === 0) {
        const done = this.segments.shift()!;
        closeSync(done.fd);
        rmSync(done.file, { force: true });
      }
    });
  }

  /** A clean stop: every decision was written or counted, so nothing is left to look up. */
  close(): void {
    this.writePending();
    this.guarded(() => {
      for (const s of this.segments.splice(0)) {
        closeSync(s.fd);
        rmSync(s.file, { force: true });
      }
      this.segmentOf.clear();
    });
  }

  private open(): void {
    const file = path.join(this.dir, `${this.run}-${String(this.next++).padStart(8, "0")}.ids`);
    this.segments.push({ file, fd: openSync(file, "a"), open: new Set() });
  }
}
