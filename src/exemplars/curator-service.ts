import { countExemplars, getExemplar, listExemplars } from "./curation-repository.js";
import type { CuratorDeps, WriteOptions } from "./curation-context.js";
import { createExemplars } from "./create-exemplars.js";
import { ExemplarNotFoundError, type Exemplar } from "./exemplar.js";
import type { ExemplarInput } from "./exemplar-files.js";
import { removeExemplar, updateExemplar } from "./update-exemplar.js";

/**
 * The curator's verbs over the exemplar set. Writes commit to the database
 * (the source of truth) first and then update the local index; a failure
 * before the commit leaves both untouched.
 */
export class CuratorService {
  constructor(private readonly deps: CuratorDeps) {}

  create(inputs: readonly ExemplarInput[], options: WriteOptions) {
    return createExemplars(this.deps, inputs, options);
  }

  update(id: number, patch: { text?: string; tier?: string; note?: string | null }, options: WriteOptions) {
    return updateExemplar(this.deps, id, patch, options);
  }

  remove(id: number, options: WriteOptions) {
    return removeExemplar(this.deps, id, options);
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
}
