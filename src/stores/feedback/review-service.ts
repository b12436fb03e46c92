import type { Database, Executor } from "../../adapters/db/client.js";
import type { DatabaseGuard, Deadline } from "../../adapters/db/database-guard.js";
import { loggedTexts } from "../decision-log/decision-log-repository.js";
import type { Encoder } from "../../adapters/embeddings/encoder.js";
import type { CreateResult, CreateStatus } from "../exemplars/create-exemplars.js";
import type { CuratorService } from "../exemplars/curator-service.js";
import type { Exemplar } from "../exemplars/exemplar.js";
import { normalizeQuery } from "../../base/text/normalize.js";
import type { ExemplarIndexRef, Neighbor } from "../../adapters/vector-index/exemplar-index.js";
import { InvalidFeedbackError, ReviewItemClosedError, ReviewItemNotFoundError } from "./feedback-errors.js";
import { feedbackOf, type StoredFeedback } from "./feedback-repository.js";
import { auditOf, closeReviewItem, countReviewItems, getReviewItem, listReviewItems, type ReviewItem, type ReviewStatus } from "./review-repository.js";

export interface ReviewDeps {
  db: Database;
  guard: DatabaseGuard;
  curator: CuratorService;
  encoder: Encoder;
  index: ExemplarIndexRef;
}

/** An item as curators see it: its text (sent with feedback, or kept by the log) and its nearest exemplar now. */
export interface ReviewEntry extends ReviewItem {
  text: string | null;
  nearest: Neighbor | null;
}

export interface ReviewGroup {
  /** The exemplar these items are nearest to; null for items without text. */
  exemplar: Neighbor | null;
  items: ReviewEntry[];
}

export interface PromoteResult {
  item: ReviewItem;
  exemplar: Exemplar & { status: CreateStatus };
  revision: number;
}

/**
 * The curators' review queue: decisions whose feedback disagrees with
 * routing. Promote turns one into an exemplar (through the curator, with its
 * conflict rules, in the same transaction as closing the item); dismiss
 * closes it without touching routing. Every change is audited.
 */
export class ReviewService {
  constructor(private readonly deps: ReviewDeps) {}

  /** A page of items in id order, grouped by their nearest exemplar (largest groups first). */
  async list(filter: { status: ReviewStatus; limit: number; cursor?: number }): Promise<{ total: number; groups: ReviewGroup[]; nextCursor: number | null }> {
    const [rows, total] = await this.read((db) =>
      Promise.all([listReviewItems(db, { status: filter.status, afterId: filter.cursor, limit: filter.limit + 1 }), countReviewItems(db, filter.status)]),
    );
    const page = rows.slice(0, filter.limit);
    const entries = await this.withText(page);
    const withText = entries.filter((e) => e.text !== null);
    const index = this.deps.index.get();
    if (index && withText.length > 0) {
      const vectors = await this.deps.encoder.embed(
        withText.map((e) => normalizeQuery(e.text!)),
        { priority: "bulk" },
      );
      withText.forEach((e, i) => (e.nearest = index.search(vectors[i]!, 1)[0] ?? null));
    }
    const groups = new Map<string, ReviewGroup>();
    for (const e of entries) {
      const key = e.nearest ? String(e.nearest.id) : "none";
      const group = groups.get(key) ?? { exemplar: e.nearest ? { ...e.nearest, similarity: 0 } : null, items: [] };
      group.items.push(e);
      groups.set(key, group);
    }
    for (const g of groups.values()) if (g.exemplar) g.exemplar.similarity = Math.max(...g.items.map((i) => i.nearest!.similarity));
    const ordered = [...groups.values()].sort((a, b) => b.items.length - a.items.length || a.items[0]!.id - b.items[0]!.id);
    return { total, groups: ordered, nextCursor: rows.length > filter.limit ? page[page.length - 1]!.id : null };
  }

  /** One item with every report on its decision and its audit trail. */
  async get(id: number): Promise<{ item: ReviewEntry; feedback: StoredFeedback[]; audit: Awaited<ReturnType<typeof auditOf>> }> {
    const item = await this.read((db) => getReviewItem(db, id));
    if (!item) throw new ReviewItemNotFoundError(id);
    const [[entry], feedback, audit] = await Promise.all([this.withText([item]), this.read((db) => feedbackOf(db, item.decisionId)), this.read((db) => auditOf(db, id))]);
    return { item: entry!, feedback, audit };
  }

  /**
   * Adds the item's text as an exemplar of `tier` (default: the tier the
   * feedback points to). The exemplar write and the item's closing commit
   * together; a conflict (409, `force` overrides) leaves the item open.
   */
  async promote(
    id: number,
    input: { tier?: string; text?: string; note?: string; force?: boolean },
    actor: string,
    receipt?: (tx: Executor, result: PromoteResult) => Promise<void>,
    budget?: Deadline,
  ): Promise<PromoteResult> {
    const item = await this.openItem(id, budget);
    const [entry] = await this.withText([item], budget);
    const text = input.text ?? entry!.text;
    if (text === null) throw new InvalidFeedbackError(`review item ${id} has no text (decisions.storeText is off and no feedback sent the query): give "text" to promote it`);
    const tier = input.tier ?? item.suggestedTier;
    let outcome: PromoteResult | undefined;
    await this.deps.curator.create([{ text, tier, note: input.note ?? `review #${id}: ${item.verdict} on ${item.tier}` }], {
      force: input.force,
      actor,
      budget,
      receipt: async (tx, result: CreateResult) => {
        const exemplar = result.exemplars[0]!;
        const closed = await closeReviewItem(tx, id, {
          status: "promoted",
          actor,
          exemplarId: exemplar.id,
          detail: { exemplarId: exemplar.id, tier, status: exemplar.status, revision: result.revision, force: input.force === true },
        });
        if (!closed) throw new ReviewItemClosedError(id, "closed");
        outcome = { item: closed, exemplar, revision: result.revision };
        await receipt?.(tx, outcome);
      },
    });
    return outcome!;
  }

  /** Closes the item without changing any exemplar. */
  async dismiss(
    id: number,
    input: { note?: string },
    actor: string,
    receipt?: (tx: Executor, result: { item: ReviewItem }) => Promise<void>,
    budget?: Deadline,
  ): Promise<{ item: ReviewItem }> {
    await this.openItem(id, budget);
    return this.deps.guard.run(
      "unknown",
      (deadline) =>
        this.deps.db.transaction(async (tx) => {
          deadline.check();
          const closed = await closeReviewItem(tx, id, { status: "dismissed", actor, detail: { note: input.note ?? null } });
          if (!closed) throw new ReviewItemClosedError(id, "closed");
          await receipt?.(tx, { item: closed });
          deadline.check();
          return { item: closed };
        }),
      budget,
    );
  }

  private async openItem(id: number, budget?: Deadline): Promise<ReviewItem> {
    const item = await this.read((db) => getReviewItem(db, id), budget);
    if (!item) throw new ReviewItemNotFoundError(id);
    if (item.status !== "open") throw new ReviewItemClosedError(id, item.status);
    return item;
  }

  /** Texts sent with feedback, else those the log kept. */
  private async withText(items: readonly ReviewItem[], budget?: Deadline): Promise<ReviewEntry[]> {
    const missing = items.filter((i) => i.queryText === null).map((i) => i.decisionId);
    const logged = missing.length === 0 ? new Map<string, string>() : await this.read((db) => loggedTexts(db, missing), budget);
    return items.map((i) => ({ ...i, text: i.queryText ?? logged.get(i.decisionId) ?? null, nearest: null }));
  }

  private read<T>(op: (db: Database) => Promise<T>, budget?: Deadline): Promise<T> {
    return this.deps.guard.run("not_applied", () => op(this.deps.db), budget);
  }
}
