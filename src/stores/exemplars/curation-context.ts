import { DomainError } from "../../base/errors.js";
import { DatabaseUnavailableError, Deadline, type DatabaseGuard } from "../../adapters/db/database-guard.js";
import type { Database, DatabaseHandle, Executor } from "../../adapters/db/client.js";
import type { Encoder } from "../../adapters/embeddings/encoder.js";
import type { ExemplarIndex, ExemplarIndexRef } from "../../adapters/vector-index/exemplar-index.js";
import type { VectorIndexFactory } from "../../adapters/vector-index/vector-index.js";
import { bumpRevision, notifyRevision } from "./curation-repository.js";
import { classifyDatabaseError } from "../../adapters/db/db-errors.js";
import { ConcurrentExemplarWriteError, UnknownTierError, type Exemplar } from "./exemplar.js";
import type { IndexSync } from "./index-sync.js";

/** What every curator write needs; built once by the composition root. */
export interface CuratorDeps {
  database: DatabaseHandle;
  /** Bounds every database wait; fails fast while the database is away. */
  guard: DatabaseGuard;
  encoder: Encoder;
  sync: IndexSync;
  index: ExemplarIndexRef;
  /** Scratch indexes for conflicts within one batch. */
  createScratchIndex: VectorIndexFactory;
  tiers: readonly string[];
  conflictSimilarity: number;
  /** How long a write waits for the one before it (writes to the exemplar set are serialised). */
  lockWaitMs: number;
  /** Time a write may take per item beyond the guard's bound (embedding, conflict checks, rows): big imports get longer. */
  perItemBudgetMs: number;
}

/**
 * The time one write's database part may take, every step of it together:
 * the database guard's bound for a small write (so a write during an outage
 * answers within it), plus an allowance per item for a big batch or import.
 * Given the request's budget (the Idempotency-Key lookup spent part of it),
 * the allowance is added to that one.
 */
export function writeBudget(deps: Pick<CuratorDeps, "guard" | "perItemBudgetMs">, items: number, shared?: Deadline): Deadline {
  const allowance = items > 1 ? items * deps.perItemBudgetMs : 0;
  if (shared === undefined) return Deadline.after(deps.guard.timeoutMs + allowance);
  shared.extend(allowance);
  return shared;
}

export interface WriteOptions<R = unknown> {
  /** Keep near-duplicates across tiers instead of answering a conflict. */
  force?: boolean;
  /** Token label recorded in the audit log. */
  actor: string;
  /** Written in the write's own transaction with its result (idempotency receipts): it commits exactly when the write does. */
  receipt?: (tx: Executor, result: R) => Promise<void>;
  /** The request's database budget, when its caller started one (http/idempotency.ts): every step of the write shares it. */
  budget?: Deadline;
}

export class IndexNotReadyError extends DomainError {
  override name = "IndexNotReadyError";
  readonly code = "not_ready" as const;
  constructor() {
    super("the exemplar index is still being built; retry shortly");
  }
}

/** The audited part of an exemplar. */
export const auditSnapshot = (e: Pick<Exemplar, "text" | "tier" | "note">) => ({ text: e.text, tier: e.tier, note: e.note });

export function checkTier(deps: Pick<CuratorDeps, "tiers">, tier: string): void {
  if (!deps.tiers.includes(tier)) throw new UnknownTierError(`tier "${tier}" is not configured (tiers: ${deps.tiers.join(", ")})`);
}

export function requireIndex(deps: Pick<CuratorDeps, "index">): ExemplarIndex {
  const index = deps.index.get();
  if (!index) throw new IndexNotReadyError();
  return index;
}

/** A read (on its own, or within a write's budget): bounded, and its failure means nothing was written. */
export function read<T>(deps: Pick<CuratorDeps, "guard" | "database">, op: (db: Database) => Promise<T>, budget?: Deadline): Promise<T> {
  return deps.guard.run("not_applied", () => op(deps.database.db), budget);
}

/**
 * Runs fn once every earlier write of this process has finished. Gives up
 * (nothing written) after lockWaitMs, or at once when the database goes
 * away, so writes queued behind a stuck one answer quickly instead of
 * piling up; fn never runs after its caller was told it would not.
 */
export function withWriteLock<T>(deps: Pick<CuratorDeps, "sync" | "guard" | "lockWaitMs">, fn: () => Promise<T>, budget: Deadline): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let started = false;
    let abandoned = false;
    const giveUp = (why: string) => {
      if (started || abandoned) return;
      abandoned = true;
      stopWaiting();
      reject(new DatabaseUnavailableError("not_applied", why));
    };
    const wait = Math.min(deps.lockWaitMs, budget.remainingMs);
    const timer = setTimeout(() => giveUp(`another write held the exemplar set for ${wait} ms; nothing was written, retry`), wait);
    const offTrip = deps.guard.onTrip(() => giveUp("the database is unavailable; nothing was written, retry shortly"));
    const stopWaiting = () => {
      clearTimeout(timer);
      offTrip();
    };
    void deps.sync.exclusive(async () => {
      if (abandoned) return;
      started = true;
      stopWaiting();
      try {
        resolve(await fn());
      } catch (err) {
        reject(err);
      }
    });
  });
}

/**
 * One transaction, bounded by the guard: bumps the revision, runs fn, writes
 * the receipt, and notifies the replicas on commit. It refuses to commit once
 * its deadline has passed, so a write the client was told is "unknown" (or
 * that waited for a connection while the database was away) rolls back
 * rather than appearing later.
 */
export async function commitRevision<R>(
  deps: Pick<CuratorDeps, "database" | "guard">,
  options: Pick<WriteOptions<R>, "receipt">,
  budget: Deadline,
  fn: (tx: Executor, revision: number) => Promise<R>,
): Promise<{ revision: number; result: R }> {
  try {
    return await deps.guard.run(
      "unknown",
      (deadline) =>
        deps.database.db.transaction(async (tx) => {
          deadline.check();
          const revision = await bumpRevision(tx);
          const result = await fn(tx, revision);
          await options.receipt?.(tx, result);
          await notifyRevision(tx, revision);
          deadline.check();
          return { revision, result };
        }),
      budget,
    );
  } catch (err) {
    if (err instanceof Error && classifyDatabaseError(err) === "unique_violation") throw new ConcurrentExemplarWriteError({ cause: err });
    throw err;
  }
}

/** A write that changed nothing still leaves its receipt, so a retry gets the same answer. */
export async function recordNoChange<R>(deps: Pick<CuratorDeps, "database" | "guard">, options: Pick<WriteOptions<R>, "receipt">, budget: Deadline, result: R): Promise<R> {
  const receipt = options.receipt;
  if (receipt) {
    await deps.guard.run(
      "unknown",
      (deadline) =>
        deps.database.db.transaction(async (tx) => {
          deadline.check();
          await receipt(tx, result);
          deadline.check();
        }),
      budget,
    );
  }
  return result;
}

/** Up to this many texts, a curator write embeds with single queries; more (an import) waits behind routing. */
const INTERACTIVE_WRITE_TEXTS = 8;

/** The model lane of a curator write of `texts` texts. */
export function curatorPriority(texts: number): "interactive" | "bulk" {
  return texts <= INTERACTIVE_WRITE_TEXTS ? "interactive" : "bulk";
}
