import type { Verdict } from "../../routing/decision.js";
import type { DecisionCache } from "../../routing/decision-cache.js";
import { LruMap } from "../../base/util/lru.js";
import { embeddingCacheKey } from "./cache-key.js";
import type { CacheWriter } from "./cache-writer.js";

export interface DecisionCacheOptions {
  /** The cache's scope, stored as model_id: the embedding model id and the routing fingerprint (routing/settings-fingerprint.ts). */
  modelId: string;
  memoryEntries: number;
  storeText: boolean;
}

/**
 * Verdicts keyed by embedding hash. Reads come from process memory (warmed
 * from the decision_cache table at start), so the request path never waits
 * on the database; every hit and miss is written behind by the CacheWriter.
 * An entry from another exemplar revision is never served.
 */
export class MemoryDecisionCache implements DecisionCache {
  private readonly memory: LruMap<string, Verdict>;
  /** Normalised-text hash -> embedding key: an exact repeat skips the model. */
  private readonly keysByText: LruMap<string, string>;

  constructor(
    private readonly options: DecisionCacheOptions,
    private readonly writer: CacheWriter | null,
  ) {
    this.memory = new LruMap(options.memoryEntries);
    this.keysByText = new LruMap(options.memoryEntries);
  }

  get size(): number {
    return this.memory.size;
  }

  /** The scope rows are keyed and stored under; warm-up reads only this scope's rows. */
  get modelId(): string {
    return this.options.modelId;
  }

  keyFor(vector: Float32Array): string {
    return embeddingCacheKey(this.options.modelId, vector);
  }

  get(lookup: { textHash: string; key?: string }, revision: number): { key: string; verdict: Verdict } | undefined {
    let key = lookup.key;
    if (key === undefined) key = this.keysByText.get(lookup.textHash);
    else this.keysByText.set(lookup.textHash, key);
    if (key === undefined) return undefined;
    const verdict = this.memory.get(key);
    if (verdict === undefined) return undefined;
    if (verdict.revision !== revision) {
      this.memory.delete(key);
      return undefined;
    }
    return { key, verdict };
  }

  put(entry: { key: string; verdict: Verdict; hit: boolean; text: string }): void {
    if (!entry.hit) this.memory.set(entry.key, entry.verdict);
    const now = new Date();
    this.writer?.record({
      key: entry.key,
      modelId: this.options.modelId,
      ...entry.verdict,
      hits: entry.hit ? 1 : 0,
      firstSeen: now,
      lastSeen: now,
      queryText: this.options.storeText ? entry.text : null,
    });
  }

  /** Loads verdicts persisted by earlier runs (or other replicas). */
  warm(entries: Iterable<Verdict & { key: string }>): void {
    for (const { key, ...verdict } of entries) this.memory.set(key, verdict);
  }
}
