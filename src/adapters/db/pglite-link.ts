import type { Worker } from "node:worker_threads";
import type { Results } from "@electric-sql/pglite";
import { spawnWorker } from "../../base/util/spawn-worker.js";

export interface HostInit {
  dataDir: string;
  postgresqlconf: string[];
}

export type HostRequest =
  | { id: number; op: "open" | "close" | "collect-garbage" }
  | { id: number; op: "query"; sql: string; params: unknown[]; rowMode: "array" | "object" | undefined; textTypes: number[]; blobText?: string }
  | { id: number; op: "exec"; sql: string }
  | { id: number; op: "listen"; channel: string; subscription: number }
  | { id: number; op: "unlisten"; subscription: number };

export interface SerializedError {
  name: string;
  message: string;
  fields: Record<string, string | number>;
}

export type HostReply = { id: number; ok: true; result?: Results; results?: Results[] } | { id: number; ok: false; error: SerializedError } | { notify: number; payload: string };

export type Answer = Extract<HostReply, { ok: true }>;
export type Request = HostRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

/** The message of every call once the database is gone: db-errors.ts reads it as a lost database. */
const CLOSED = "PGlite is closed";

/** What the owner hears of the thread's life (the service logs it). */
export interface ThreadEvents {
  onDeath?(err: Error): void;
  onReopened?(): void;
  onReopenFailed?(err: Error, retryInMs: number): void;
}

interface LinkHooks extends ThreadEvents {
  onNotify(subscription: number, payload: string): void;
  /** The requests that restore a new thread's state once it has opened the database (its subscriptions). */
  renewals(): Request[];
}

/**
 * The worker thread that runs pglite-host, and requests and replies to it by
 * id. A thread that dies (a crash of the WASM runtime, memory) fails what it
 * was doing with "PGlite is closed", and so does every call until a new
 * thread has opened the same data directory again: PostgreSQL's crash
 * recovery keeps what was committed, as after a restart of the process. That
 * is tried at once after a thread that had run a minute, else after 0.5 s
 * doubling to 30 s while it keeps failing (a crash loop must not spin). An
 * in-memory database ("memory") has nothing to reopen and stays closed.
 */
export class HostLink {
  private readonly waiting = new Map<number, { resolve: (answer: Answer) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private worker: Worker;
  /** Why calls fail now: the thread died (until reopened) or close() was called (for good). */
  private gone: Error | undefined;
  private closing = false;
  private reopenTimer: NodeJS.Timeout | undefined;
  private reopenDelayMs = 0;
  private openedAt = performance.now();

  constructor(
    private readonly init: HostInit,
    private readonly hooks: LinkHooks,
  ) {
    this.worker = this.spawn();
  }

  /** Waits for the first thread to open the database; on failure ends it and throws. */
  async open(): Promise<void> {
    try {
      await this.call({ op: "open" });
    } catch (err) {
      this.closing = true;
      await this.worker.terminate();
      throw err;
    }
  }

  call(request: Request): Promise<Answer> {
    if (this.gone) return Promise.reject(this.gone);
    return this.post(request);
  }

  /** Stops for good: `closeDatabase` first unless the thread is dead, then every call fails as closed. */
  async close(closeDatabase: () => Promise<unknown>): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.reopenTimer);
    try {
      if (!this.gone) await closeDatabase();
    } finally {
      this.gone = new Error(CLOSED);
      this.fail(this.gone);
      await this.worker.terminate();
    }
  }

  /** Posts to the current thread, even while calls are refused (reopening speaks to the new thread first). */
  private post(request: Request): Promise<Answer> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...request } as HostRequest);
    });
  }

  private spawn(): Worker {
    // As the model's worker: little of what the thread's JS allocates lives (rows on their way), and a 4 MB young
    // generation keeps V8 from growing 16 MB semi-spaces under load.
    const worker = spawnWorker(import.meta.url, "pglite-host", { workerData: this.init, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    // Idle, the thread never keeps the process alive; a call in flight does (see post()).
    worker.unref();
    worker.on("message", (reply: HostReply) => {
      if (worker !== this.worker) return;
      if ("notify" in reply) return this.hooks.onNotify(reply.notify, reply.payload);
      const waiting = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      if (reply.ok) waiting?.resolve(reply);
      else waiting?.reject(Object.assign(new Error(reply.error.message), reply.error.fields, { name: reply.error.name }));
    });
    worker.on("error", (err) => this.died(worker, new Error(`${CLOSED}: its thread failed (${err.message})`)));
    worker.on("exit", (code) => this.died(worker, new Error(`${CLOSED}: its thread exited (code ${code})`)));
    return worker;
  }

  private died(worker: Worker, err: Error): void {
    if (worker !== this.worker || this.closing) return;
    const firstSign = this.gone === undefined;
    this.gone ??= err;
    this.fail(err);
    void worker.terminate();
    if (!firstSign || this.init.dataDir === "memory") return;
    // A thread that lived a minute died of something new: reopen at once. One that keeps dying waits longer each time.
    this.reopenDelayMs = performance.now() - this.openedAt > 60_000 ? 0 : this.longerDelay();
    this.hooks.onDeath?.(err);
    this.scheduleReopen();
  }

  private longerDelay(): number {
    return Math.min(30_000, Math.max(500, this.reopenDelayMs * 2));
  }

  private scheduleReopen(): void {
    this.reopenTimer = setTimeout(() => void this.reopen(), this.reopenDelayMs);
    this.reopenTimer.unref();
  }

  private async reopen(): Promise<void> {
    if (this.closing) return;
    this.worker = this.spawn();
    try {
      await this.post({ op: "open" });
      for (const request of this.hooks.renewals()) await this.post(request);
    } catch (err) {
      if (this.closing) return;
      const worker = this.worker;
      this.fail(this.gone!);
      await worker.terminate();
      this.reopenDelayMs = this.longerDelay();
      this.hooks.onReopenFailed?.(err as Error, this.reopenDelayMs);
      this.scheduleReopen();
      return;
    }
    if (this.closing) return;
    this.gone = undefined;
    this.openedAt = performance.now();
    this.hooks.onReopened?.();
  }

  /** Rejects every call waiting for an answer. */
  private fail(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
