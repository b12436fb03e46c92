import { normalizeQuery } from "../../text/normalize.js";
import type { DecisionStep } from "../pipeline.js";

/** Thrown for a query that is empty after normalisation; the HTTP layer maps it to 400. */
export class EmptyQueryError extends Error {
  override name = "EmptyQueryError";
}

/** Canonical text, cut to what the model reads so a huge query costs a bounded forward pass. */
export function normalizeStep(maxInputChars: () => number): DecisionStep {
  return {
    name: "normalize",
    run(ctx) {
      const text = normalizeQuery(ctx.request.query);
      if (text === "") throw new EmptyQueryError("query is empty or whitespace only");
      const limit = maxInputChars();
      ctx.truncated = text.length > limit;
      ctx.text = ctx.truncated ? text.slice(0, limit) : text;
    },
  };
}
