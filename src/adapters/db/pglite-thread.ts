import type { Worker } from "node:worker_threads";
import type { ParserOptions, QueryOptions, Results, Transaction } from "@electric-sql/pglite";
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

type Answer = Extract<HostReply, { ok: true }>;
type Request = HostRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

/** The message of every call once the database is gone: db-errors.ts reads it as a lost database. */
const CLOSED = "PGlite is closed";

/**
 * The embedded PostgreSQL (PGlite) run in a worker thread, with the part of
 * PGlite's interface drizzle uses (query, exec, transaction, listen). PGlite
 * is PostgreSQL compiled to WASM: in the main thread every statement held the
 * event loop for its length, and writing the decision log's rows behind cache
 * hits was about a third of the main thread's work under repeated traffic
 * (issue 22). Here statements run beside the HTTP server.
 *
 * As in PGlite, a transaction has the database to itself: queries and
 * listens from outside wait until it ends. Parsers are functions and cannot
 * cross threads, so the columns they cover come back as text and are parsed
 * here.
 *
 * A thread that dies (a crash of the WASM runtime, memory) fails what it was
 * doing with "PGlite is closed", which db-errors.ts reads as a lost database,
 * and so does every call until a new thread has opened the same data
 * directory again: PostgreSQL's crash recovery keeps what was committed, as
 * after a restart of the process. Reopening is tried at once after a thread
 * that had run a minute, else after 0.5 s doubling to 30 s while it keeps
 * failing (a crash loop must not spin); subscriptions are renewed
 * and their onReconnect called, so a listener can catch up on what it missed.
 * An in-memory database ("memory") has nothing to reopen and stays closed.
 */
export class PgliteThread {
  private readonly waiting = new Map<number, { resolve: (answer: Answer) => void; reject: (err: Error) => void }>();
  private readonly subscriptions = new Map<number, Subscription>();
  private nextId = 0;
  private worker: Worker;
  /** Why calls fail now: the thread died (until reopened) or close() was called (for good). */
  private gone: Error | undefined;
  private closing = false;
  /** Settles when the open transaction ends; undefined when none is open. */
  private transactionEnds: Promise<void> | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private reopenDelayMs = 0;
  private openedAt = performance.now();

  private constructor(
    private readonly init: HostInit,
    private readonly events: ThreadEvents,
  ) {
    this.worker = this.spawn();
  }

  /** Opens (or creates) the database in `dataDir` ("memory": in RAM) in a new thread. */
  static async open(init: HostInit, events: ThreadEvents = {}): Promise<PgliteThread> {
    const thread = new PgliteThread(init, events);
    try {
      await thread.call({ op: "open" });
    } catch (err) {
      thread.closing = true;
      await thread.worker.terminate();
      throw err;
    }
    return thread;
  }

  async query<T>(sql: string, params: unknown[] = [], options: QueryOptions = {}): Promise<Results<T>> {
    const blobText = await blobTextOf(options);
    return this.outsideTransactions(() => this.send<T>(sql, params, options, blobText));
  }

  /** A `COPY … FROM '/dev/blob'` of `text`, sent as text: no Blob is built on this side only to be read back. */
  async copyFrom(sql: string, text: string): Promise<void> {
    await this.outsideTransactions(() => this.send(sql, [], {}, text));
  }

  exec(sql: string): Promise<Results[]> {
    return this.outsideTransactions(async () => (await this.call({ op: "exec", sql })).results!);
  }

  /** BEGIN, fn, COMMIT; ROLLBACK when fn throws. Nothing else reaches the database meanwhile. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.outsideTransactions(() => this.runTransaction(fn));
  }

  /** LISTEN; onReconnect runs each time a new thread has renewed the subscription after the last one died. */
  async listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>> {
    const subscription = this.nextId++;
    this.subscriptions.set(subscription, { channel, onNotify, onReconnect });
    try {
      await this.outsideTransactions(() => this.call({ op: "listen", channel, subscription }));
    } catch (err) {
      this.subscriptions.delete(subscription);
      throw err;
    }
    return async () => {
      this.subscriptions.delete(subscription);
      await this.call({ op: "unlisten", subscription }).catch(() => {});
    };
  }

  /** One full collection of the thread's heap once the calls before it are answered (start-up reads every exemplar's vector). */
  async collectGarbage(): Promise<void> {
    await this.call({ op: "collect-garbage" });
  }

  /** Closes the database once the calls before it are answered, then ends the thread. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.reopenTimer);
    try {
      // A dead thread (reopening) has no database to close.
      if (!this.gone) await this.outsideTransactions(() => this.call({ op: "close" }));
    } finally {
      this.gone = new Error(CLOSED);
      this.fail(this.gone);
      this.subscriptions.clear();
      await this.worker.terminate();
    }
  }

  /**
   * Sends once no transaction is open. `send` must post synchronously: it runs in the same turn as the last
   * check, so a transaction that begins meanwhile can never take the statement in (and roll it back with its own).
   */
  private async outsideTransactions<T>(send: () => Promise<T>): Promise<T> {
    while (this.transactionEnds) await this.transactionEnds;
    return send();
  }

  /** Opens the transaction (BEGIN posted in this turn, with transactionEnds set), runs fn, commits or rolls back. */
  private async runTransaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    let end!: () => void;
    this.transactionEnds = new Promise((resolve) => (end = resolve));
    let closed = false;
    const open = () => {
      if (closed) throw new Error("the transaction is closed");
    };
    const tx = {
      query: async <R>(sql: string, params?: unknown[], options: QueryOptions = {}) => {
        open();
        return this.send<R>(sql, params ?? [], options, await blobTextOf(options));
      },
      exec: async (sql: string) => (open(), (await this.call({ op: "exec", sql })).results!),
      rollback: async () => {
        open();
        await this.send("ROLLBACK", [], {});
        closed = true;
      },
      get closed() {
        return closed;
      },
    } as unknown as Transaction;
    try {
      await this.send("BEGIN", [], {});
      const result = await fn(tx);
      if (!closed) await this.send("COMMIT", [], {});
      return result;
    } catch (err) {
      if (!closed) await this.send("ROLLBACK", [], {}).catch(() => {});
      throw err;
    } finally {
      closed = true;
      this.transactionEnds = undefined;
      end();
    }
  }

  /** Posts the statement in this turn (no await before it) and parses the columns the caller has parsers for. */
  private send<T>(sql: string, params: unknown[], options: QueryOptions, blobText?: string): Promise<Results<T>> {
    const textTypes = options.parsers ? Object.keys(options.parsers).map(Number) : [];
    const { parsers, rowMode } = options;
    return this.call({ op: "query", sql, params, rowMode, textTypes, ...(blobText === undefined ? {} : { blobText }) }).then(({ result }) => {
      if (parsers) parseColumns(result!, parsers, rowMode ?? "object");
      return result as Results<T>;
    });
  }

  private call(request: Request): Promise<Answer> {
    if (this.gone) return Promise.reject(this.gone);
    return this.post(request);
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
      if ("notify" in reply) return this.subscriptions.get(reply.notify)?.onNotify(reply.payload);
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
    this.reopenDelayMs = performance.now() - this.openedAt > 60_000 ? 0 : Math.min(30_000, Math.max(500, this.reopenDelayMs * 2));
    this.events.onDeath?.(err);
    this.scheduleReopen();
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
      for (const [subscription, { channel }] of this.subscriptions) await this.post({ op: "listen", channel, subscription });
    } catch (err) {
      if (this.closing) return;
      const worker = this.worker;
      this.fail(this.gone!);
      await worker.terminate();
      this.reopenDelayMs = Math.min(30_000, Math.max(500, this.reopenDelayMs * 2));
      this.events.onReopenFailed?.(err as Error, this.reopenDelayMs);
      this.scheduleReopen();
      return;
    }
    if (this.closing) return;
    this.gone = undefined;
    this.openedAt = performance.now();
    this.events.onReopened?.();
    for (const { onReconnect } of this.subscriptions.values()) onReconnect?.();
  }

  /** Rejects every call waiting for an answer. */
  private fail(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}

interface Subscription {
  channel: string;
  onNotify: (payload: string) => void;
  onReconnect: (() => void) | undefined;
}

/** What the owner hears of the thread's life (the service logs it). */
export interface ThreadEvents {
  onDeath?(err: Error): void;
  onReopened?(): void;
  onReopenFailed?(err: Error, retryInMs: number): void;
}

/** A blob a query reads from (COPY FROM '/dev/blob'), as the text that crosses to the thread. */
async function blobTextOf(options: QueryOptions): Promise<string | undefined> {
  return options.blob ? await options.blob.text() : undefined;
}

/** Applies the caller's parsers to the columns the thread left as text. */
function parseColumns(result: Results, parsers: ParserOptions, rowMode: "array" | "object"): void {
  const columns = result.fields.flatMap((f, i) => {
    const parse = parsers[f.dataTypeID];
    return parse ? [{ key: rowMode === "array" ? i : f.name, parse }] : [];
  });
  if (columns.length === 0) return;
  for (const row of result.rows as Array<Record<string | number, unknown>>) {
    for (const { key, parse } of columns) {
      const value = row[key];
      if (typeof value === "string") row[key] = parse(value);
    }
  }
}
