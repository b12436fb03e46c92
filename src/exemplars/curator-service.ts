import { normalizeQuery, textHash } from "../cache/cache-key.js";
import type { DatabaseHandle } from "../db/client.js";
import type { Encoder } from "../embeddings/encoder.js";
import type { ExemplarIndex } from "../routing/exemplar-index.js";
import { findConflicts, type ConflictCandidate } from "./conflicts.js";
import {
  bumpRevision,
  countExemplars,
  deleteExemplarRow,
  findByTextHashes,
  getExemplar,
  insertAudit,
  insertExemplarRows,
  listExemplars,
  notifyRevision,
  saveVectorsIn,
  updateExemplarRow,
  type AuditEntry,
  type Executor,
} from "./curation-repository.js";
import { ExemplarConflictError, ExemplarNotFoundError, UnknownTierError, type ConflictDetail, type Exemplar } from "./exemplar.js";
import type { ExemplarInput } from "./exemplar-files.js";
import type { IndexChange, IndexSync } from "./index-sync.js";

export interface CuratorDeps {
  database: DatabaseHandle;
  encoder: Encoder;
  sync: IndexSync;
  index: () => ExemplarIndex | null;
  tiers: readonly string[];
  conflictSimilarity: number;
}

export interface WriteOptions {
  /** Keep near-duplicates across tiers instead of answering a conflict. */
  force?: boolean;
  /** Token label recorded in the audit log. */
  actor: string;
}

export type CreateStatus = "created" | "unchanged" | "moved";

export class IndexNotReadyError extends Error {
  override name = "IndexNotReadyError";
  constructor() {
    super("the exemplar index is still being built; retry shortly");
  }
}

const snapshot = (e: Pick<Exemplar, "text" | "tier" | "note">) => ({ text: e.text, tier: e.tier, note: e.note });

/**
 * Curator writes: validate, embed, check conflicts, commit in one transaction
 * (rows, vectors, audit, revision, notification), then update the local index.
 * A failure before the commit leaves the database and the index untouched.
 */
export class CuratorService {
  constructor(private readonly deps: CuratorDeps) {}

  async create(inputs: readonly ExemplarInput[], options: WriteOptions): Promise<{ exemplars: Array<Exemplar & { status: CreateStatus }>; revision: number }> {
    const items = this.prepare(inputs);
    this.requireIndex();
    const { db } = this.deps.database;
    // Same text and tier already stored: idempotent, no need to embed it.
    const known = new Map((await findByTextHashes(db, items.map((i) => i.hash))).map((e) => [e.textHash, e]));
    const toEmbed = items.filter((i) => known.get(i.hash)?.tier !== i.tier);
    const vectors = await this.deps.encoder.embed(toEmbed.map((i) => normalizeQuery(i.text)));
    const vectorOf = new Map(toEmbed.map((i, n) => [i.hash, vectors[n]!]));

    return this.deps.sync.exclusive(async () => {
      const index = this.requireIndex();
      const existing = new Map((await findByTextHashes(db, items.map((i) => i.hash))).map((e) => [e.textHash, e]));
      // Rows that changed since the read above (a concurrent delete, say) need vectors too.
      const late = items.filter((i) => existing.get(i.hash)?.tier !== i.tier && !vectorOf.has(i.hash));
      if (late.length > 0) {
        const lateVectors = await this.deps.encoder.embed(late.map((i) => normalizeQuery(i.text)));
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
      const conflicts = [...exact, ...findConflicts(candidates, index, this.deps.conflictSimilarity)];
      if (conflicts.length > 0 && !options.force) throw new ExemplarConflictError(conflicts);

      const fresh = items.filter((i) => !existing.has(i.hash));
      const moved = items.filter((i) => existing.has(i.hash) && existing.get(i.hash)!.tier !== i.tier);
      if (fresh.length === 0 && moved.length === 0) {
        return { exemplars: items.map((i) => ({ ...existing.get(i.hash)!, status: "unchanged" as const })), revision: index.revision };
      }

      const { revision, created, movedRows } = await db.transaction(async (tx) => {
        const revision = await bumpRevision(tx);
        const created = await insertExemplarRows(tx, fresh.map((i) => ({ text: i.text, textHash: i.hash, tier: i.tier, note: i.note })));
        const movedRows: Exemplar[] = [];
        for (const m of moved) movedRows.push((await updateExemplarRow(tx, existing.get(m.hash)!.id, { tier: m.tier }))!);
        const written = [...created, ...movedRows];
        await saveVectorsIn(tx, this.deps.encoder.modelId, written.map((e) => ({ id: e.id, vector: vectorOf.get(textHash(e.text))! })));
        await insertAudit(tx, [
          ...created.map((e): AuditEntry => ({ revision, action: "create", exemplarId: e.id, before: null, after: snapshot(e), actor: options.actor })),
          ...movedRows.map((e): AuditEntry => ({ revision, action: "update", exemplarId: e.id, before: snapshot(existing.get(textHash(e.text))!), after: snapshot(e), actor: options.actor })),
        ]);
        await notifyRevision(tx, revision);
        return { revision, created, movedRows };
      });

      const written = [...created, ...movedRows];
      await this.deps.sync.applyCommitted(revision, written.map((e): IndexChange => ({ op: "put", id: e.id, tier: e.tier, text: e.text, vector: vectorOf.get(textHash(e.text))! })));
      const byHash = new Map<string, Exemplar & { status: CreateStatus }>();
      for (const e of created) byHash.set(textHash(e.text), { ...e, status: "created" });
      for (const e of movedRows) byHash.set(textHash(e.text), { ...e, status: "moved" });
      return { exemplars: items.map((i) => byHash.get(i.hash) ?? { ...existing.get(i.hash)!, status: "unchanged" as const }), revision };
    });
  }

  async update(id: number, patch: { text?: string; tier?: string; note?: string | null }, options: WriteOptions): Promise<{ exemplar: Exemplar; revision: number }> {
    if (patch.tier !== undefined) this.checkTier(patch.tier);
    const { db } = this.deps.database;
    const current = await getExemplar(db, id);
    if (!current) throw new ExemplarNotFoundError(id);
    // Embed outside the lock (slow); re-checked against the row read under it.
    let embeddedText = patch.text === undefined ? current.text : patch.text.trim();
    let [vector] = (await this.deps.encoder.embed([normalizeQuery(embeddedText)])) as [Float32Array];

    return this.deps.sync.exclusive(async () => {
      const index = this.requireIndex();
      const before = await getExemplar(db, id);
      if (!before) throw new ExemplarNotFoundError(id);
      // Built from the row as it is now, so a concurrent PATCH is not undone.
      const after = { text: patch.text === undefined ? before.text : patch.text.trim(), tier: patch.tier ?? before.tier, note: patch.note === undefined ? before.note : patch.note };
      const routingChanged = after.text !== before.text || after.tier !== before.tier;
      if (!routingChanged) {
        // A note is not routing state: no new revision, so no replica drops its cached decisions.
        const row = (await db.transaction(async (tx) => {
          const row = await updateExemplarRow(tx, id, { note: after.note });
          await insertAudit(tx, [{ revision: index.revision, action: "update", exemplarId: id, before: snapshot(before), after: snapshot(row!), actor: options.actor }]);
          return row;
        }))!;
        return { exemplar: row, revision: index.revision };
      }
      if (after.text !== embeddedText) {
        embeddedText = after.text;
        [vector] = (await this.deps.encoder.embed([normalizeQuery(embeddedText)])) as [Float32Array];
      }
      const hash = textHash(after.text);
      if (after.text !== before.text) {
        const clash = (await findByTextHashes(db, [hash])).find((e) => e.id !== id);
        if (clash) throw new ExemplarConflictError([{ text: after.text, tier: after.tier, conflictsWith: { id: clash.id, text: clash.text, tier: clash.tier, similarity: 1 } }]);
      }
      const conflicts = findConflicts([{ text: after.text, tier: after.tier, vector, selfId: id }], index, this.deps.conflictSimilarity);
      if (conflicts.length > 0 && !options.force) throw new ExemplarConflictError(conflicts);
      const { revision, row } = await this.commit(async (tx, revision) => {
        const row = (await updateExemplarRow(tx, id, { ...after, textHash: hash }))!;
        await saveVectorsIn(tx, this.deps.encoder.modelId, [{ id, vector }]);
        await insertAudit(tx, [{ revision, action: "update", exemplarId: id, before: snapshot(before), after: snapshot(row), actor: options.actor }]);
        return row;
      });
      await this.deps.sync.applyCommitted(revision, [{ op: "put", id, tier: row.tier, text: row.text, vector }]);
      return { exemplar: row, revision };
    });
  }

  async remove(id: number, options: WriteOptions): Promise<{ exemplar: Exemplar; revision: number }> {
    return this.deps.sync.exclusive(async () => {
      this.requireIndex();
      const { revision, row } = await this.commit(async (tx, revision) => {
        const row = await deleteExemplarRow(tx, id);
        if (!row) throw new ExemplarNotFoundError(id); // rolls the revision bump back
        await insertAudit(tx, [{ revision, action: "delete", exemplarId: id, before: snapshot(row), after: null, actor: options.actor }]);
        return row;
      });
      await this.deps.sync.applyCommitted(revision, [{ op: "remove", id }]);
      return { exemplar: row, revision };
    });
  }

  async get(id: number): Promise<Exemplar> {
    const row = await getExemplar(this.deps.database.db, id);
    if (!row) throw new ExemplarNotFoundError(id);
    return row;
  }

  async list(filter: { tier?: string; q?: string; limit: number; cursor?: number }): Promise<{ exemplars: Exemplar[]; nextCursor: number | null }> {
    const rows = await listExemplars(this.deps.database.db, { tier: filter.tier, q: filter.q, afterId: filter.cursor, limit: filter.limit + 1 });
    const page = rows.slice(0, filter.limit);
    return { exemplars: page, nextCursor: rows.length > filter.limit ? page[page.length - 1]!.id : null };
  }

  count(): Promise<number> {
    return countExemplars(this.deps.database.db);
  }

  /** Every exemplar as JSONL lines (`{"text","tier","note"?}`), in id order. */
  async *exportLines(): AsyncGenerator<string> {
    let cursor: number | undefined;
    for (;;) {
      const rows = await listExemplars(this.deps.database.db, { afterId: cursor, limit: 1000 });
      if (rows.length === 0) return;
      for (const e of rows) yield `${JSON.stringify(e.note ? { text: e.text, tier: e.tier, note: e.note } : { text: e.text, tier: e.tier })}\n`;
      cursor = rows[rows.length - 1]!.id;
    }
  }

  private async commit<T>(fn: (tx: Executor, revision: number) => Promise<T>): Promise<{ revision: number; row: T }> {
    return this.deps.database.db.transaction(async (tx) => {
      const revision = await bumpRevision(tx);
      const row = await fn(tx, revision);
      await notifyRevision(tx, revision);
      return { revision, row };
    });
  }

  /** Trimmed, tier-checked, de-duplicated within the batch (the last of equal texts wins). */
  private prepare(inputs: readonly ExemplarInput[]) {
    const byHash = new Map<string, { text: string; tier: string; note: string | null; hash: string }>();
    for (const input of inputs) {
      this.checkTier(input.tier);
      // Stored as written (line breaks in pasted code matter to a reader); embedded and hashed normalised.
      const text = input.text.trim();
      const hash = textHash(text);
      byHash.delete(hash);
      byHash.set(hash, { text, tier: input.tier, note: input.note ?? null, hash });
    }
    return [...byHash.values()];
  }

  private checkTier(tier: string): void {
    if (!this.deps.tiers.includes(tier)) throw new UnknownTierError(`tier "${tier}" is not configured (tiers: ${this.deps.tiers.join(", ")})`);
  }

  private requireIndex(): ExemplarIndex {
    const index = this.deps.index();
    if (!index) throw new IndexNotReadyError();
    return index;
  }
}
