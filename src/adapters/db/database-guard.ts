import { DomainError } from "../../base/errors.js";
import { inSpan } from "../../base/util/spans.js";
import { classifyDatabaseError } from "./db-errors.js";

/**
 * What the caller can know about a write that did not complete: it never
 * reached the database ("not_applied": safe to retry), or it may have
 * committed ("unknown": retry with the same Idempotency-Key).
 */
export type WriteOutcome = "not_applied" | "unknown";

/** The database did not answer in time, or is known to be away. */
export class DatabaseUnavailableError extends DomainError {
  override name = "DatabaseUnavailableError";
  /** A write whose fate is unknown asks for a retry with the same Idempotency-Key; anything else simply failed. */
  get code() {
    return this.outcome === "unknown" ? ("outcome_unknown" as const) : ("database_unavailable" as const);
  }
  constructor(
    readonly outcome: WriteOutcome,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A point in time after which work not yet sent to the database is abandoned. */
export class Deadline {
  private constructor(private at: number) {}

  static after(ms: number): Deadline {
    return new Deadline(Date.now() + ms);
  }

  get remainingMs(): number {
    return Math.max(0, this.at - Date.now());
  }

  /** Moves the deadline by a wait that is not the database's (for another replica's rows to be flushed), so it does not eat the budget. */
  extend(ms: number): void {
    this.at += ms;
  }

  /** Runs work that is not the database's (embedding) and moves the deadline by its length. */
  async exclude<T>(work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await work();
    } finally {
      this.extend(Date.now() - started);
    }
  }

  /**
   * Throws once passed. Called inside a transaction before it commits, so a
   * write whose client was already told "unknown" (or that waited in a queue
   * while the database was away) rolls back instead of committing later.
   */
  check(): void {
    if (Date.now() >= this.at) throw new DatabaseUnavailableError("not_applied", "the database did not answer in time; nothing was written");
  }
}

export interface GuardOptions {
  /** How long one database operation of a request may take. */
  timeoutMs: number;
  /** After a timeout or a lost connection, requests fail at once for this long instead of queueing. */
  cooldownMs: number;
  /**
   * Asked after an operation timed out: does the database answer at all?
   * A slow query is not an outage; only when this fails too does the guard
   * fail requests fast. Without it every timeout counts as an outage.
   */
  probe?: () => Promise<void>;
}

/**
 * Bounds every database operation a request waits on, and fails fast while
 * the database is known to be away, so one stuck statement never holds up
 * the requests behind it. Routing never goes through here: it does not wait
 * on the database at all.
 */
export class DatabaseGuard {
  private downUntil = 0;
  private readonly tripListeners = new Set<() => void>();

  constructor(private readonly options: GuardOptions) {}

  get available(): boolean {
    return Date.now() >= this.downUntil;
  }

  /** The bound of one operation, and the budget of a small write. */
  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  /**
   * Runs one operation within the timeout. `outcome` is what a failure means
   * for the caller: "not_applied" for reads and for work before a commit,
   * "unknown" for a commit; then `retry` tells the client how to settle it
   * (only what its endpoint supports). In a span (docs/operations.md#tracing):
   * `db write` for a commit, `db read` for the rest.
   */
  run<T>(outcome: WriteOutcome, op: (deadline: Deadline) => Promise<T>, budget?: Deadline, retry = RETRY_WITH_KEY): Promise<T> {
    return inSpan(outcome === "unknown" ? "db write" : "db read", { "db.system.name": "postgresql" }, () => this.runBounded(outcome, op, budget, retry));
  }

  private async runBounded<T>(outcome: WriteOutcome, op: (deadline: Deadline) => Promise<T>, budget: Deadline | undefined, retry: string): Promise<T> {
    if (!this.available) throw new DatabaseUnavailableError("not_applied", "the database is unavailable; nothing was written, retry shortly");
    // Within a request's budget (several operations share it), else one operation's own bound.
    const deadline = budget ?? Deadline.after(this.options.timeoutMs);
    const ms = deadline.remainingMs;
    if (ms <= 0) throw new DatabaseUnavailableError("not_applied", "the request ran out of time before writing; nothing was written, retry");
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const work = op(deadline);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new DatabaseUnavailableError(outcome, describe(outcome, ms, retry)));
      }, ms);
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (err) {
      if (timedOut) this.checkAfterTimeout();
      else if (classifyDatabaseError(err) === "unavailable") {
        this.trip();
        throw new DatabaseUnavailableError(outcome, describe(outcome, ms, retry), { cause: err });
      }
      throw err;
    } finally {
      clearTimeout(timer);
      // The abandoned operation still settles later; its failure is expected and must not crash the process.
      work.catch(() => {});
    }
  }

  private probing = false;

  /** One probe at a time: trips if the database does not answer it either. */
  private checkAfterTimeout(): void {
    const probe = this.options.probe;
    if (probe === undefined) {
      this.trip();
      return;
    }
    if (this.probing) return;
    this.probing = true;
    probe().then(
      () => (this.probing = false),
      () => {
        this.probing = false;
        this.trip();
      },
    );
  }

  /** Marks the database as away for the cooldown and wakes everything waiting to use it. */
  trip(): void {
    this.downUntil = Date.now() + this.options.cooldownMs;
    for (const listener of this.tripListeners) listener();
  }

  onTrip(listener: () => void): () => void {
    this.tripListeners.add(listener);
    return () => this.tripListeners.delete(listener);
  }
}

/** How a curator write settles an unknown outcome (docs/api.md). */
export const RETRY_WITH_KEY = "retry with the same Idempotency-Key";

function describe(outcome: WriteOutcome, ms: number, retry: string): string {
  return outcome === "unknown"
    ? `the database did not confirm the write within ${ms} ms; it may or may not be applied: ${retry}`
    : `the database did not answer within ${ms} ms; nothing was written, retry shortly`;
}
