import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { embeddingCacheKey, normalizeQuery, textHash } from "../cache/cache-key.js";
import type { CachedDecision, DecisionCache } from "../cache/decision-cache.js";
import { fallbackTierOf, type Config, type TierConfig } from "../config.js";
import type { Encoder } from "../embeddings/encoder.js";
import type { DecisionReason, Neighbor } from "./decision.js";
import type { ExemplarIndex } from "./exemplar-index.js";
import { voteOnNeighbors, type VoteOptions } from "./vote.js";

export interface RouterOptions extends Omit<VoteOptions, "tiers"> {
  k: number;
  tiers: readonly TierConfig[];
}

/** The router's settings as the config file states them. */
export function routerOptionsFrom(config: Pick<Config, "routing" | "tiers">): RouterOptions {
  return {
    k: config.routing.k,
    margin: config.routing.margin,
    minSimilarity: config.routing.minSimilarity,
    fallbackTier: fallbackTierOf(config),
    tiers: config.tiers,
  };
}

export interface RouteTimings {
  embedMs: number;
  searchMs: number;
  totalMs: number;
}

/** What POST /route answers. Every path produces one; fallbacks are values, not errors. */
export interface RouteDecision {
  decisionId: string;
  tier: string;
  model: string;
  confidence: number;
  margin: number;
  reason: DecisionReason;
  cached: boolean;
  revision: number;
  /** The query was longer than the model reads and was cut. */
  truncated: boolean;
  timings: RouteTimings;
  /** Only with explain: the vote before any fallback. */
  votedTier?: string | null;
  votes?: Record<string, number>;
  neighbors?: Neighbor[];
}

export interface RouteOptions {
  explain?: boolean;
}

export interface RouterDeps {
  encoder: Encoder;
  /** The current index, or null while it is being built. */
  index: () => ExemplarIndex | null;
  cache: DecisionCache | null;
  options: RouterOptions;
  logger?: Pick<Logger, "warn">;
  /** Called with every decision, cached or not, fallbacks included (statistics, metrics). */
  onDecision?: (decision: RouteDecision) => void;
}

/** Thrown for a query that is empty after normalisation; the HTTP layer maps it to 400. */
export class EmptyQueryError extends Error {
  override name = "EmptyQueryError";
}

/**
 * Ties the pieces together: normalise -> embed -> cache lookup -> kNN search
 * -> vote -> cache record. Never touches the database directly.
 */
export class Router {
  private readonly modelByTier: Map<string, string>;
  private readonly tierNames: string[];

  constructor(private readonly deps: RouterDeps) {
    this.modelByTier = new Map(deps.options.tiers.map((t) => [t.name, t.model]));
    this.tierNames = deps.options.tiers.map((t) => t.name);
  }

  async route(query: string, routeOptions: RouteOptions = {}): Promise<RouteDecision> {
    const decision = await this.decide(query, routeOptions);
    this.deps.onDecision?.(decision);
    return decision;
  }

  private async decide(query: string, routeOptions: RouteOptions): Promise<RouteDecision> {
    const started = performance.now();
    const { encoder, options } = this.deps;
    let text = normalizeQuery(query);
    if (text === "") throw new EmptyQueryError("query is empty or whitespace only");
    const truncated = text.length > encoder.maxInputChars;
    if (truncated) text = text.slice(0, encoder.maxInputChars);

    const index = this.deps.index();
    const base = { truncated, cached: false, revision: index?.revision ?? 0 };
    if (index === null) return this.fallback("warming_up", base, started, 0);

    // Exact repeat: the text maps to a known embedding key whose decision is
    // current, so the model (the only expensive step) is skipped.
    const cache = this.deps.cache;
    const hashOfText = cache ? textHash(text) : "";
    if (cache && !routeOptions.explain) {
      const knownKey = cache.keyForText(hashOfText);
      const known = knownKey === undefined ? undefined : cache.lookup(knownKey, index.revision);
      if (known) {
        cache.record(knownKey!, known, true, text);
        return this.cachedResult(known, truncated, 0, started);
      }
    }

    let vector: Float32Array;
    const embedStart = performance.now();
    try {
      [vector] = (await encoder.embed([text])) as [Float32Array];
    } catch (err) {
      this.deps.logger?.warn({ err }, "embedding failed; routing to the fallback tier");
      return this.fallback("encoder_error_fallback", base, started, performance.now() - embedStart);
    }
    const embedMs = performance.now() - embedStart;

    const revision = index.revision;
    const key = embeddingCacheKey(encoder.modelId, vector);
    cache?.rememberText(hashOfText, key);
    const hit = cache?.lookup(key, revision);
    if (hit && !routeOptions.explain) {
      cache!.record(key, hit, true, text);
      return this.cachedResult(hit, truncated, embedMs, started);
    }

    const searchStart = performance.now();
    const neighbors = index.search(vector, options.k);
    const vote = voteOnNeighbors(neighbors, { ...options, tiers: this.tierNames });
    const searchMs = performance.now() - searchStart;
    // With explain the neighbours are recomputed, but a cached decision still wins so the answer is stable.
    const decided = hit ?? { tier: vote.tier, confidence: vote.confidence, margin: vote.margin, reason: vote.reason, revision };
    if (cache && vote.reason !== "empty_index") cache.record(key, decided, hit !== undefined, text);

    const result: RouteDecision = {
      decisionId: randomUUID(),
      ...decided,
      reason: decided.reason as DecisionReason,
      model: this.modelOf(decided.tier),
      cached: hit !== undefined,
      truncated,
      timings: { embedMs, searchMs, totalMs: performance.now() - started },
    };
    if (routeOptions.explain) {
      result.votedTier = vote.votedTier;
      result.votes = vote.votes;
      result.neighbors = neighbors;
    }
    return result;
  }

  private cachedResult(hit: CachedDecision, truncated: boolean, embedMs: number, started: number): RouteDecision {
    return {
      decisionId: randomUUID(),
      ...hit,
      reason: hit.reason as DecisionReason,
      model: this.modelOf(hit.tier),
      cached: true,
      truncated,
      timings: { embedMs, searchMs: 0, totalMs: performance.now() - started },
    };
  }

  private fallback(
    reason: DecisionReason,
    base: { truncated: boolean; cached: boolean; revision: number },
    started: number,
    embedMs: number,
  ): RouteDecision {
    const tier = this.deps.options.fallbackTier;
    return {
      decisionId: randomUUID(),
      tier,
      model: this.modelOf(tier),
      confidence: 0,
      margin: 0,
      reason,
      ...base,
      timings: { embedMs, searchMs: 0, totalMs: performance.now() - started },
    };
  }

  private modelOf(tier: string): string {
    // A cached tier that was removed from config falls back rather than answering an unknown model.
    return this.modelByTier.get(tier) ?? this.modelByTier.get(this.deps.options.fallbackTier)!;
  }
}
