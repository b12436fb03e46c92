import type { ParserOptions, QueryOptions, Results, Transaction } from "@electric-sql/pglite";
import { HostLink, type Answer, type HostInit, type ThreadEvents } from "./pglite-link.js";

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
 * A thread that dies is replaced (pglite-link.ts): meanwhile every call fails
 * as a lost database; then subscriptions are renewed and their onReconnect
 * called, so a listener can catch up on what it missed.
 */
export class PgliteThread {
  private readonly subscriptions = new Map<number, Subscription>();
  private nextSubscription = 0;
  private readonly link: HostLink;
  /** Settles when the open transaction ends; undefined when none is open. */
  private transactionEnds: Promise<void> | undefined;

  private constructor(init: HostInit, events: ThreadEvents) {
    this.link = new HostLink(init, {
      ...events,
      onNotify: (subscription, payload) => this.subscriptions.get(subscription)?.onNotify(payload),
      renewals: () => [...this.subscriptions].map(([subscription, { channel }]) => ({ op: "listen" as const, channel, subscription })),
      onReopened: () => {
        events.onReopened?.();
        for (const { onReconnect } of this.subscriptions.values()) onReconnect?.();
      },
    });
  }

  /** Opens (or creates) the database in `dataDir` ("memory": in RAM) in a new thread. */
  static async open(init: HostInit, events: ThreadEvents = {}): Promise<PgliteThread> {
    const thread = new PgliteThread(init, events);
    await thread.link.open();
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
    const subscription = this.nextSubscription++;
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

  /** Closes the database once the calls before it are answered (unless its thread is dead), then ends the thread. */
  async close(): Promise<void> {
    await this.link.close(() => this.outsideTransactions(() => this.call({ op: "close" })));
    this.subscriptions.clear();
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

  private call(request: Parameters<HostLink["call"]>[0]): Promise<Answer> {
    return this.link.call(request);
  }
}

interface Subscription {
  channel: string;
  onNotify: (payload: string) => void;
  onReconnect: (() => void) | undefined;
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
