import { normalizeQuery, textHash } from "../../base/text/normalize.js";
import { findConflicts, type ConflictCandidate } from "./conflicts.js";
import { findByTextHashes, insertAudit, insertExemplarRows, saveVectorsIn, updateExemplarRow, type AuditEntry } from "./curation-repository.js";
import {
  auditSnapshot,
  checkTier,
  commitRevision,
  curatorPriority,
  read,
  recordNoChange,
  requireIndex,
  withWriteLock,
  writeBudget,
  type CuratorDeps,
  type WriteOptions,
} from "./curation-context.js";
import { ExemplarConflictError, type ConflictDetail, type Exemplar } from "./exemplar.js";
import type { ExemplarInput } from "./exemplar-files.js";

export type CreateStatus = "created" | "unchanged" | "moved";
export interface CreateResult {
  exemplars: Array<Exemplar & { status: CreateStatus }>;
  revision: number;
}

/**
 * Adds exemplars (or moves existing texts to a new tier): validate, embed,
 * check conflicts, commit in one transaction (rows, vectors, audit, revision,
 * notification), then update the local index. Exact duplicates in the same
 * tier are idempotent. A failure before the commit changes nothing.
 */
export async function createExemplars(deps: CuratorDeps, inputs: readonly ExemplarInput[], options: WriteOptions<CreateResult>): Promise<CreateResult> {
  const items = prepareInputs(deps, inputs);
  requireIndex(deps);
  const hashes = items.map((i) => i.hash);
  // One budget for the database part; the embedding does not count. A few texts (a curator at the console) wait
  // with single queries, a pass of a few milliseconds; an import's many wait behind routing traffic on purpose.
  const priority = curatorPriority(items.length);
  const budget = writeBudget(deps, items.length, options.budget);
  // Same text and tier already stored: idempotent, no need to embed it.
  const known = new Map((await read(deps, (db) => findByTextHashes(db, hashes), budget)).map((e) => [e.textHash, e]));
  const toEmbed = items.filter((i) => known.get(i.hash)?.tier !== i.tier);
  const vectors = await budget.exclude(() =>
    deps.encoder.embed(
      toEmbed.map((i) => normalizeQuery(i.text)),
      { priority },
    ),
  );
  const vectorOf = new Map(toEmbed.map((i, n) => [i.hash, vectors[n]!]));

  return withWriteLock(
    deps,
    async () => {
      const index = requireIndex(deps);
      const existing = new Map((await read(deps, (db) => findByTextHashes(db, hashes), budget)).map((e) => [e.textHash, e]));
      // Rows that changed since the read above (a concurrent delete, say) need vectors too.
      const late = items.filter((i) => existing.get(i.hash)?.tier !== i.tier && !vectorOf.has(i.hash));
      if (late.length > 0) {
        const lateVectors = await budget.exclude(() =>
          deps.encoder.embed(
            late.map((i) => normalizeQuery(i.text)),
            { priority },
          ),
        );
        late.forEach((i, n) => vectorOf.set(i.hash, lateVectors[n]!));
      }
      // The same text under another tier is the strongest conflict there is (similarity 1).
      const exact: ConflictDetail[] = items.flatMap((i) => {
        const e = existing.get(i.hash);
        return e && e.tier !== i.tier ? [{ text: i.text, tier: i.tier, conflictsWith: { id: e.id, text: e.text, tier: e.tier, similarity: 1 } }] : [];
      });
      const candidates: ConflictCandidate[] = items
        .filter((i) => existing.get(i.hash)?.tier !== i.tier)
        .map((i) => ({ text: i.text, tier: i.tier, vector: vectorOf.get(i.hash)!, selfId: existing.get(i.hash)?.id }));
      const conflicts = [...exact, ...(await findConflicts(candidates, index, deps.conflictSimilarity, deps.createScratchIndex))];
      if (conflicts.length > 0 && !options.force) throw new ExemplarConflictError(conflicts);

      const fresh = items.filter((i) => !existing.has(i.hash));
      const moved = items.filter((i) => existing.has(i.hash) && existing.get(i.hash)!.tier !== i.tier);
      if (fresh.length === 0 && moved.length === 0) {
        return recordNoChange(deps, options, budget, { exemplars: items.map((i) => ({ ...existing.get(i.hash)!, status: "unchanged" as const })), revision: index.revision });
      }

      const { revision, result } = await commitRevision(deps, options, budget, async (tx, revision) => {
        const created = await insertExemplarRows(
          tx,
          fresh.map((i) => ({ text: i.text, textHash: i.hash, tier: i.tier, note: i.note })),
        );
        const movedRows: Exemplar[] = [];
        for (const m of moved) movedRows.push((await updateExemplarRow(tx, existing.get(m.hash)!.id, { tier: m.tier }))!);
        await saveVectorsIn(
          tx,
          deps.encoder.modelId,
          [...created, ...movedRows].map((e) => ({ id: e.id, vector: vectorOf.get(textHash(e.text))! })),
        );
        await insertAudit(tx, [
          ...created.map((e): AuditEntry => ({ revision, action: "create", exemplarId: e.id, before: null, after: auditSnapshot(e), actor: options.actor })),
          ...movedRows.map(
            (e): AuditEntry => ({
              revision,
              action: "update",
              exemplarId: e.id,
              before: auditSnapshot(existing.get(textHash(e.text))!),
              after: auditSnapshot(e),
              actor: options.actor,
            }),
          ),
        ]);
        const byHash = new Map<string, Exemplar & { status: CreateStatus }>();
        for (const e of created) byHash.set(textHash(e.text), { ...e, status: "created" });
        for (const e of movedRows) byHash.set(textHash(e.text), { ...e, status: "moved" });
        return { exemplars: items.map((i) => byHash.get(i.hash) ?? { ...existing.get(i.hash)!, status: "unchanged" as const }), revision };
      });

      const written = result.exemplars.filter((e) => e.status !== "unchanged");
      await deps.sync.applyCommitted(
        revision,
        written.map((e) => ({ op: "put", id: e.id, tier: e.tier, text: e.text, vector: vectorOf.get(textHash(e.text))! })),
      );
      return result;
    },
    budget,
  );
}

/** Trimmed, tier-checked, de-duplicated within the batch (the last of equal texts wins). */
function prepareInputs(deps: CuratorDeps, inputs: readonly ExemplarInput[]) {
  const byHash = new Map<string, { text: string; tier: string; note: string | null; hash: string }>();
  for (const input of inputs) {
    checkTier(deps, input.tier);
    // Stored as written (line breaks in pasted code matter to a reader); embedded and hashed normalised.
    const text = input.text.trim();
    const hash = textHash(text);
    byHash.delete(hash);
    byHash.set(hash, { text, tier: input.tier, note: input.note ?? null, hash });
  }
  return [...byHash.values()];
}
