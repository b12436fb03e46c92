import type { TierAsker } from "../adapters/upstreams/asker.js";
import { parseScore, selfRatingPrompt } from "../adapters/upstreams/prompts.js";

export interface VerifierInput {
  decisionId: string;
  /** The tier whose answer is checked. */
  tier: string;
  /** What was routed: the last user message. */
  question: string;
  /** The cheap tier's answer text. */
  answer: string;
  /** Aborts at the profile's verifierTimeoutMs. */
  signal: AbortSignal;
}

/**
 * A cascade's check of a cheap answer: a score from 0 to 1, or null when it
 * could not tell (which escalates, as a failed check does). The cascade
 * compares the score with the profile's threshold. Pluggable: buildDeps
 * takes more by name (`verifiers`), a profile picks one with `cascade.verifier`.
 */
export interface Verifier {
  verify(input: VerifierInput): Promise<number | null>;
}

/**
 * The pattern notes' score_confidence: the cheap tier's own model rates its
 * answer from 0 to 10 (fixed prompt, temperature 0), scaled to 0..1.
 */
export function selfRatingVerifier(asker: TierAsker): Verifier {
  return {
    async verify(input) {
      const reply = await asker.ask(input.tier, selfRatingPrompt(input.question, input.answer), {
        kind: "verify",
        decisionId: input.decisionId,
        signal: input.signal,
        maxTokens: 4,
      });
      const score = parseScore(reply, 0, 10);
      return score === null ? null : score / 10;
    },
  };
}
