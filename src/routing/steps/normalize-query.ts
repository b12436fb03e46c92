import { DomainError } from "../../base/errors.js";
import { normalizeBounded } from "../../base/text/normalize.js";
import { estimateRequestTokens } from "../estimate.js";
import type { DecisionStep } from "../pipeline.js";

/** Thrown for a query that is empty after normalisation; the HTTP layer maps it to 400. */
export class EmptyQueryError extends DomainError {
  override name = "EmptyQueryError";
  readonly code = "empty_query" as const;
}

/** The one check for an empty query: the canonical text, cut to what the model reads; EmptyQueryError when nothing is left. */
export function normalizeQueryText(query: string, maxInputChars: number): { text: string; truncated: boolean } {
  const normalized = normalizeBounded(query, maxInputChars);
  if (normalized.text === "") throw new EmptyQueryError("the query is empty or whitespace only");
  return normalized;
}

/**
 * Canonical text, cut to what the model reads before any expensive work, so
 * a huge or hostile query costs a bounded amount of time.
 */
export function normalizeStep(maxInputChars: () => number): DecisionStep {
  return {
    name: "normalize",
    run(ctx) {
      const { text, truncated } = ctx.request.normalized ?? normalizeQueryText(ctx.request.query, maxInputChars());
      ctx.text = text;
      ctx.truncated = truncated;
      ctx.inputTokens = estimateRequestTokens(ctx.request);
    },
  };
}
