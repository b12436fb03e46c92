import type { Config } from "../base/config/config-schema.js";
import { defaultTierByRating, type ComplexityRater, type LlmRatingOptions } from "./steps/llm-rated.js";
import type { TierAsker } from "../adapters/upstreams/asker.js";
import { complexityPrompt, parseScore } from "../adapters/upstreams/prompts.js";

/** How a rating came out: counted per outcome in /metrics so its value can be measured. */
export type RatingOutcome = "rated" | "timeout" | "failed" | "unparseable";

/**
 * The pattern notes' LLM-based routing: the rating tier's model (the
 * cheapest by default) rates the query 1..5 with a fixed prompt. Implements
 * routing's ComplexityRater port; the router bounds it with its timeout.
 */
export function llmComplexityRater(asker: TierAsker, tier: string, onOutcome: (outcome: RatingOutcome, rating: number | null) => void): ComplexityRater {
  return {
    async rate({ text, decisionId, signal }) {
      const reply = await asker.ask(tier, complexityPrompt(text), { kind: "rate", decisionId, signal, maxTokens: 2 });
      const rating = parseScore(reply, 1, 5);
      const whole = rating === null ? null : Math.round(rating);
      onOutcome(whole !== null ? "rated" : signal.aborted ? "timeout" : reply === null ? "failed" : "unparseable", whole);
      return whole;
    },
  };
}

/** The LLM-rated routing step's options from config.gateway.complexityRating; undefined when it is off. */
export function complexityRating(
  rating: Config["gateway"]["complexityRating"],
  asker: TierAsker,
  tierNames: readonly string[],
  onOutcome: (outcome: RatingOutcome, rating: number | null) => void,
): LlmRatingOptions | undefined {
  if (!rating.enabled) return undefined;
  return {
    rater: llmComplexityRater(asker, rating.tier ?? tierNames[0]!, onOutcome),
    timeoutMs: rating.timeoutMs,
    tierByRating: rating.tierByRating ?? defaultTierByRating(tierNames),
  };
}
