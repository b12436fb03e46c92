import { settleOnFallback, type DecisionStep } from "../pipeline.js";

/** No index yet (the service is starting): the fallback tier, never an error. */
export function warmUpStep(fallbackTier: string): DecisionStep {
  return {
    name: "warm-up",
    run(ctx) {
      if (ctx.index === null) settleOnFallback(ctx, fallbackTier, "warming_up");
    },
  };
}
