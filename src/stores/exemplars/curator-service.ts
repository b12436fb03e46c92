import { countExemplars, getExemplar, listExemplars } from "./curation-repository.js";
import { read, type CuratorDeps, type WriteOptions } from "./curation-context.js";
import { createExemplars, type CreateResult } from "./create-exemplars.js";
import { ExemplarNotFoundError, type Exemplar } from "./exemplar.js";
import type { ExemplarInput } from "./exemplar-files.js";
import { removeExemplar, updateExemplar, type ChangeResult } from "./update-exemplar.js";

/**
 * The curator's verbs over the exemplar set. Writes commit to the database
 * (the source of truth) first and then update the local index; a failure
 * before the commit leaves both untouched. Every database wait is bounded.
 */
export class CuratorService {
  constructor(private readonly deps: CuratorDeps) {}

  create(inputs: readonly ExemplarInput[], options: WriteOptions<CreateResult>): Promise<CreateResult> {
    return createExemplars(this.deps, inputs, options);
  }

  update(id: number, patch: { text?: string; tier?: string; note?: string | null }, options: WriteOptions<ChangeResult>): Promise<ChangeResult> {
    return updateExemplar(this.deps, id, patch, options);
  }

  remove(id: number, options: WriteOptions<ChangeResult>): Promise<ChangeResult> {
    return removeExemplar(this.deps, id, options);
  }

  async get(id: number): Promise<Exemplar> {
    const row = await read(this.deps, (db) => getExemplar(db, id));
    if (!row) throw new ExemplarNotFoundError(id);
    return row;
  }

  async list(filter: { tier?: string; q?: string; limit: number; cursor?: number }): Promise<{ exemplars: Exemplar[]; nextCursor: number | null }> {
    const rows = await read(this.deps, (db) => listExemplars(db, { tier: filter.tier, q: filter.q, afterId: filter.cursor, limit: filter.limit + 1 }));
    const page = rows.slice(0, filter.limit);
    return { exemplars: page, nextCursor: rows.length > filter.limit ? page[page.length - 1]!.id : null };
  }

  count(): Promise<number> {
    return read(this.deps, (db) => countExemplars(db));
  }

  /** Every exemplar as JSONL lines (`{"text","tier","note"?}`), in id order; each page read is bounded. */
  async *exportLines(): AsyncGenerator<string> {
    let cursor: number | undefined;
    for (;;) {
      const after = cursor;
      const rows = await read(this.deps, (db) => listExemplars(db, { afterId: after, limit: 1000 }));
      if (rows.length === 0) return;
      for (const e of rows) yield `${JSON.stringify(e.note ? { text: e.text, tier: e.tier, note: e.note } : { text: e.text, tier: e.tier })}\n`;
      cursor = rows[rows.length - 1]!.id;
    }
  }
}
