import { DomainError } from "../../base/errors.js";
import { normalizeBounded } from "../../base/text/normalize.js";
import { estimateRequestTokens } from "../estimate.js";
import type { DecisionStep } from "../pipeline.js";

/** Thrown for a query that is empty after normalisation; the HTTP layer maps it to 400. */
export class EmptyQueryError extends DomainError {
  override name = "EmptyQueryError";
  readonly code = "empty_query" as const;
}

/**
 * Canonical text, cut to what the model reads before any expensive work, so
 * a huge or hostile query costs a bounded amount of time.
 */
export function normalizeStep(maxInputChars: () => number): DecisionStep {
  return {
    name: "normalize",
    run(ctx) {
      const { text, truncated } = normalizeBounded(ctx.request.query, maxInputChars());
      if (text === "") throw new EmptyQueryError("query is empty or whitespace only");
      ctx.text = text;
      ctx.truncated = truncated;
      ctx.inputTokens = estimateRequestTokens(ctx.request);
    },
  };
}
