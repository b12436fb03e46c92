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
 * here. A thread that dies fails what it was doing and every later call with
 * "PGlite is closed", as a closed PGlite does.
 */
export class PgliteThread {
  private readonly waiting = new Map<number, { resolve: (answer: Answer) => void; reject: (err: Error) => void }>();
  private readonly listeners = new Map<number, (payload: string) => void>();
  private nextId = 0;
  private gone: Error | undefined;
  /** Settles when the open transaction ends; undefined when none is open. */
  private transactionEnds: Promise<void> | undefined;

  private constructor(private readonly worker: Worker) {
    // Idle, the thread never keeps the process alive; a call in flight does (see call()).
    worker.unref();
    worker.on("message", (reply: HostReply) => {
      if ("notify" in reply) return this.listeners.get(reply.notify)?.(reply.payload);
      const waiting = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      if (reply.ok) waiting?.resolve(reply);
      else waiting?.reject(Object.assign(new Error(reply.error.message), reply.error.fields, { name: reply.error.name }));
    });
    worker.on("error", (err) => this.fail(new Error(`${CLOSED}: its thread failed (${err.message})`)));
    worker.on("exit", (code) => this.fail(new Error(`${CLOSED}: its thread exited (code ${code})`)));
  }

  /** Opens (or creates) the database in `dataDir` ("memory": in RAM) in a new thread. */
  static async open(init: HostInit): Promise<PgliteThread> {
    // As the model's worker: little of what the thread's JS allocates lives (rows on their way), and a 4 MB young
    // generation keeps V8 from growing 16 MB semi-spaces under load.
    const thread = new PgliteThread(spawnWorker(import.meta.url, "pglite-host", { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: 4 } }));
    try {
      await thread.call({ op: "open" });
    } catch (err) {
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

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const subscription = this.nextId++;
    this.listeners.set(subscription, onNotify);
    await this.outsideTransactions(() => this.call({ op: "listen", channel, subscription }));
    return async () => {
      this.listeners.delete(subscription);
      await this.call({ op: "unlisten", subscription }).catch(() => {});
    };
  }

  /** One full collection of the thread's heap once the calls before it are answered (start-up reads every exemplar's vector). */
  async collectGarbage(): Promise<void> {
    await this.call({ op: "collect-garbage" });
  }

  /** Closes the database once the calls before it are answered, then ends the thread. */
  async close(): Promise<void> {
    if (this.gone) return;
    try {
      await this.outsideTransactions(() => this.call({ op: "close" }));
    } finally {
      this.fail(new Error(CLOSED));
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
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...request } as HostRequest);
    });
  }

  private fail(err: Error): void {
    this.gone ??= err;
    for (const w of this.waiting.values()) w.reject(this.gone);
    this.waiting.clear();
    this.listeners.clear();
  }
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
