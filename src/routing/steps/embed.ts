import type { Logger } from "pino";
import type { Encoder } from "../../embeddings/encoder.js";
import { settleOnFallback, type DecisionStep } from "../pipeline.js";

/** Embeds the query locally; a model failure is the fallback tier, not an error. */
export function embedStep(encoder: Encoder, fallbackTier: string, logger?: Pick<Logger, "warn">): DecisionStep {
  return {
    name: "embed",
    async run(ctx) {
      if (ctx.request.embedding !== undefined) {
        ctx.vector = ctx.request.embedding;
        return;
      }
      const started = performance.now();
      try {
        [ctx.vector] = (await encoder.embed([ctx.text])) as [Float32Array];
      } catch (err) {
        logger?.warn({ err }, "embedding failed; routing to the fallback tier");
        settleOnFallback(ctx, fallbackTier, "encoder_error_fallback");
      } finally {
        ctx.embedMs = performance.now() - started;
      }
    },
  };
}
