import type { ComplexityRater } from "../routing/steps/llm-rated.js";
import type { TierAsker } from "./asker.js";
import { complexityPrompt, parseScore } from "./prompts.js";

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
