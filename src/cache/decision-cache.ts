import type { CacheWriter } from "./cache-writer.js";
import { LruMap } from "./lru.js";

export interface CachedDecision {
  tier: string;
  confidence: number;
  margin: number;
  reason: string;
  revision: number;
}

export interface DecisionCacheOptions {
  modelId: string;
  memoryEntries: number;
  storeText: boolean;
}

/**
 * Decisions keyed by embedding hash. Reads come from process memory (warmed
 * from the decision_cache table at start), so the request path never waits
 * on the database; every hit and miss is written behind by the CacheWriter.
 * An entry from another exemplar revision is never served.
 */
export class DecisionCache {
  private readonly memory: LruMap<string, CachedDecision>;
  /** Normalised-text hash -> embedding key: an exact repeat skips the model. */
  private readonly keysByText: LruMap<string, string>;

  constructor(
    private readonly options: DecisionCacheOptions,
    private readonly writer: CacheWriter | null,
  ) {
    this.memory = new LruMap(options.memoryEntries);
    this.keysByText = new LruMap(options.memoryEntries);
  }

  /** The embedding key last computed for this exact normalised text, if remembered. */
  keyForText(textHash: string): string | undefined {
    return this.keysByText.get(textHash);
  }

  rememberText(textHash: string, key: string): void {
    this.keysByText.set(textHash, key);
  }

  get size(): number {
    return this.memory.size;
  }

  lookup(key: string, revision: number): CachedDecision | undefined {
    const entry = this.memory.get(key);
    if (entry === undefined) return undefined;
    if (entry.revision !== revision) {
      this.memory.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Records a served decision: `hit` when it came from the cache, else a fresh computation. */
  record(key: string, decision: CachedDecision, hit: boolean, queryText: string): void {
    if (!hit) this.memory.set(key, decision);
    const now = new Date();
    this.writer?.record({
      key,
      modelId: this.options.modelId,
      ...decision,
      hits: hit ? 1 : 0,
      firstSeen: now,
      lastSeen: now,
      queryText: this.options.storeText ? queryText : null,
    });
  }

  /** Loads decisions persisted by earlier runs (or other replicas). */
  warm(entries: Iterable<CachedDecision & { key: string }>): void {
    for (const { key, ...decision } of entries) this.memory.set(key, decision);
  }
}
