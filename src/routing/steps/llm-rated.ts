import type { DecisionReason } from "../decision.js";
import type { SettleStep } from "../pipeline.js";

/**
 * Rates a query's complexity from 1 (a lookup, small talk) to 5 (expert,
 * multi-step reasoning) by asking a model; null when it could not (error,
 * unparseable answer, aborted). Implemented outside routing (the gateway
 * calls an upstream) and wired by the composition root.
 */
export interface ComplexityRater {
  rate(input: { text: string; decisionId: string; signal: AbortSignal }): Promise<number | null>;
}

export interface LlmRatingOptions {
  rater: ComplexityRater;
  /** Longest the rating may hold a decision; past it the fallback verdict stands. */
  timeoutMs: number;
  /** The tier for ratings 1..5 (configured tiers). */
  tierByRating: readonly string[];
  /** Moves a configured tier up to the next one this router's profile offers (absent: it offers all). */
  mapTier?: (tier: string) => string;
}

/**
 * What the vote could not settle: its majority was too thin, the second
 * stage was not confident enough, or nothing was close. Out-of-distribution
 * queries are left alone: their reason is the drift signal analysts watch.
 */
const unsettled: ReadonlySet<DecisionReason> = new Set(["low_margin_fallback", "low_confidence_fallback", "no_close_exemplar"]);

/**
 * A settling step (it runs after the vote, before the cache records): for a
 * query the vote could not settle, a model rates its complexity and the
 * rating picks the tier. It never holds a decision past its timeout, and a
 * rating that fails leaves the fallback (premium) verdict in place.
 */
export function llmRatedStep(options: LlmRatingOptions): SettleStep {
  return {
    name: "llm-rated",
    async run(ctx) {
      const verdict = ctx.verdict;
      if (!unsettled.has(verdict.reason)) return;
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((resolve) => {
        timer = setTimeout(() => {
          controller.abort(new Error(`complexity rating took longer than ${options.timeoutMs} ms`));
          resolve(null);
        }, options.timeoutMs);
      });
      let rating: number | null;
      try {
        // The race, not only the signal: a rater that ignores its signal still cannot hold the decision.
        rating = await Promise.race([options.rater.rate({ text: ctx.text, decisionId: ctx.decisionId, signal: controller.signal }).catch(() => null), late]);
      } finally {
        clearTimeout(timer);
      }
      const rated = rating === null ? undefined : options.tierByRating[Math.round(rating) - 1];
      if (rated === undefined) return;
      const tier = options.mapTier ? options.mapTier(rated) : rated;
      // The vote's confidence and margin stay: they say how unsure the vote was.
      ctx.verdict = { ...verdict, tier, reason: "llm_rated" };
      ctx.tier = tier;
      // A fresh decision replaces what was replayed, so the cache keeps the rated verdict.
      ctx.cached = false;
    },
  };
}

/** Ratings 1..5 spread over the tiers, cheapest first (three tiers: 1-2, 3, 4-5). */
export function defaultTierByRating(tiers: readonly string[]): string[] {
  const n = tiers.length;
  return [1, 2, 3, 4, 5].map((r) => tiers[Math.min(n - 1, Math.floor(((r - 1) * n) / 4))]!);
}
