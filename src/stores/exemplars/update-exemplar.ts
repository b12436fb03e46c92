import { normalizeQuery, textHash } from "../../base/text/normalize.js";
import { findConflicts } from "./conflicts.js";
import { deleteExemplarRow, findByTextHashes, getExemplar, insertAudit, saveVectorsIn, updateExemplarRow } from "./curation-repository.js";
import {
  auditSnapshot,
  checkTier,
  commitRevision,
  curatorPriority,
  read,
  requireIndex,
  withWriteLock,
  writeBudget,
  type CuratorDeps,
  type WriteOptions,
} from "./curation-context.js";
import { ExemplarConflictError, ExemplarNotFoundError, type Exemplar } from "./exemplar.js";

export interface ChangeResult {
  exemplar: Exemplar;
  revision: number;
}

/**
 * Changes an exemplar's text, tier and/or note. A note-only change is not
 * routing state and keeps the revision; anything else is re-embedded,
 * conflict-checked and committed with a new revision.
 */
export async function updateExemplar(
  deps: CuratorDeps,
  id: number,
  patch: { text?: string; tier?: string; note?: string | null },
  options: WriteOptions<ChangeResult>,
): Promise<ChangeResult> {
  if (patch.tier !== undefined) checkTier(deps, patch.tier);
  // One budget for the database part; the embedding does not count.
  const budget = writeBudget(deps, 1, options.budget);
  const current = await read(deps, (db) => getExemplar(db, id), budget);
  if (!current) throw new ExemplarNotFoundError(id);
  // Embed outside the lock (slow); re-checked against the row read under it.
  let embeddedText = patch.text === undefined ? current.text : patch.text.trim();
  let [vector] = (await budget.exclude(() => deps.encoder.embed([normalizeQuery(embeddedText)], { priority: curatorPriority(1) }))) as [Float32Array];

  return withWriteLock(
    deps,
    async () => {
      const index = requireIndex(deps);
      const before = await read(deps, (db) => getExemplar(db, id), budget);
      if (!before) throw new ExemplarNotFoundError(id);
      // Built from the row as it is now, so a concurrent PATCH is not undone.
      const after = {
        text: patch.text === undefined ? before.text : patch.text.trim(),
        tier: patch.tier ?? before.tier,
        note: patch.note === undefined ? before.note : patch.note,
      };
      const routingChanged = after.text !== before.text || after.tier !== before.tier;
      if (!routingChanged) {
        // A note is not routing state: no new revision, so no replica drops its cached decisions.
        return deps.guard.run(
          "unknown",
          (deadline) =>
            deps.database.db.transaction(async (tx) => {
              deadline.check();
              const row = (await updateExemplarRow(tx, id, { note: after.note }))!;
              await insertAudit(tx, [
                { revision: index.revision, action: "update", exemplarId: id, before: auditSnapshot(before), after: auditSnapshot(row), actor: options.actor },
              ]);
              const result = { exemplar: row, revision: index.revision };
              await options.receipt?.(tx, result);
              deadline.check();
              return result;
            }),
          budget,
        );
      }
      if (after.text !== embeddedText) {
        embeddedText = after.text;
        [vector] = (await budget.exclude(() => deps.encoder.embed([normalizeQuery(embeddedText)], { priority: curatorPriority(1) }))) as [Float32Array];
      }
      const hash = textHash(after.text);
      if (after.text !== before.text) {
        const clash = (await read(deps, (db) => findByTextHashes(db, [hash]), budget)).find((e) => e.id !== id);
        if (clash) throw new ExemplarConflictError([{ text: after.text, tier: after.tier, conflictsWith: { id: clash.id, text: clash.text, tier: clash.tier, similarity: 1 } }]);
      }
      const conflicts = await findConflicts([{ text: after.text, tier: after.tier, vector, selfId: id }], index, deps.conflictSimilarity, deps.createScratchIndex);
      if (conflicts.length > 0 && !options.force) throw new ExemplarConflictError(conflicts);
      const { revision, result } = await commitRevision(deps, options, budget, async (tx, revision) => {
        const row = (await updateExemplarRow(tx, id, { ...after, textHash: hash }))!;
        await saveVectorsIn(tx, deps.encoder.modelId, [{ id, vector }]);
        await insertAudit(tx, [{ revision, action: "update", exemplarId: id, before: auditSnapshot(before), after: auditSnapshot(row), actor: options.actor }]);
        return { exemplar: row, revision };
      });
      await deps.sync.applyCommitted(revision, [{ op: "put", id, tier: result.exemplar.tier, text: result.exemplar.text, vector }]);
      return result;
    },
    budget,
  );
}

/** Deletes an exemplar with a new revision; 404 (ExemplarNotFoundError) rolls the revision bump back. */
export async function removeExemplar(deps: CuratorDeps, id: number, options: WriteOptions<ChangeResult>): Promise<ChangeResult> {
  const budget = writeBudget(deps, 1, options.budget);
  return withWriteLock(
    deps,
    async () => {
      requireIndex(deps);
      const { revision, result } = await commitRevision(deps, options, budget, async (tx, revision) => {
        const row = await deleteExemplarRow(tx, id);
        if (!row) throw new ExemplarNotFoundError(id); // rolls the revision bump back
        await insertAudit(tx, [{ revision, action: "delete", exemplarId: id, before: auditSnapshot(row), after: null, actor: options.actor }]);
        return { exemplar: row, revision };
      });
      await deps.sync.applyCommitted(revision, [{ op: "remove", id }]);
      return result;
    },
    budget,
  );
}
