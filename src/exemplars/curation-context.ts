import type { DatabaseHandle } from "../db/client.js";
import type { Encoder } from "../embeddings/encoder.js";
import type { ExemplarIndex, ExemplarIndexRef } from "../vector-index/exemplar-index.js";
import type { VectorIndexFactory } from "../vector-index/vector-index.js";
import { bumpRevision, notifyRevision, type Executor } from "./curation-repository.js";
import { UnknownTierError, type Exemplar } from "./exemplar.js";
import type { IndexSync } from "./index-sync.js";

/** What every curator write needs; built once by the composition root. */
export interface CuratorDeps {
  database: DatabaseHandle;
  encoder: Encoder;
  sync: IndexSync;
  index: ExemplarIndexRef;
  /** Scratch indexes for conflicts within one batch. */
  createScratchIndex: VectorIndexFactory;
  tiers: readonly string[];
  conflictSimilarity: number;
}

export interface WriteOptions {
  /** Keep near-duplicates across tiers instead of answering a conflict. */
  force?: boolean;
  /** Token label recorded in the audit log. */
  actor: string;
}

export class IndexNotReadyError extends Error {
  override name = "IndexNotReadyError";
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

/** One transaction that bumps the revision, runs fn, and notifies the replicas on commit. */
export async function commitRevision<T>(deps: Pick<CuratorDeps, "database">, fn: (tx: Executor, revision: number) => Promise<T>): Promise<{ revision: number; row: T }> {
  return deps.database.db.transaction(async (tx) => {
    const revision = await bumpRevision(tx);
    const row = await fn(tx, revision);
    await notifyRevision(tx, revision);
    return { revision, row };
  });
}
