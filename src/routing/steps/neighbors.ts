import type { DecisionStep } from "../pipeline.js";

/** The k nearest exemplars of the query's embedding. */
export function neighborsStep(k: number): DecisionStep {
  return {
    name: "neighbors",
    run(ctx) {
      const started = performance.now();
      ctx.neighbors = ctx.index!.search(ctx.vector!, k);
      ctx.searchMs += performance.now() - started;
    },
  };
}
