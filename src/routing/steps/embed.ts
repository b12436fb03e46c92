import type { Logger } from "pino";
import type { Encoder } from "../../adapters/embeddings/encoder.js";
import { BatchLaneFullError } from "../../adapters/embeddings/work-estimate.js";
import { settleOnFallback, type DecisionContext, type DecisionStep } from "../pipeline.js";

/**
 * Embeds the query locally; a model failure is the fallback tier, not an
 * error. A query whose request was given up (its signal aborted) is not
 * decided at all: the abort is rethrown, so no decision is recorded for an
 * answer nobody received; nor is a batch item the full batch lane refused.
 * `whileEmbedding` does text-only work during the forward pass.
 */
export function embedStep(encoder: Encoder, fallbackTier: string, logger?: Pick<Logger, "warn">, whileEmbedding?: (ctx: DecisionContext) => void): DecisionStep {
  return {
    name: "embed",
    async run(ctx) {
      if (ctx.request.embedding !== undefined) {
        ctx.vector = ctx.request.embedding;
        whileEmbedding?.(ctx);
        return;
      }
      const started = performance.now();
      try {
        const { signal, priority } = ctx.request;
        const embedding = encoder.embed([ctx.text], { signal, priority });
        // Work that needs only the text runs while the model works in its thread, not after it.
        whileEmbedding?.(ctx);
        [ctx.vector] = (await embedding) as [Float32Array];
      } catch (err) {
        if (ctx.request.signal?.aborted || err instanceof BatchLaneFullError) throw err;
        logger?.warn({ err }, "embedding failed; routing to the fallback tier");
        settleOnFallback(ctx, fallbackTier, "encoder_error_fallback");
      } finally {
        ctx.embedMs = performance.now() - started;
      }
    },
  };
}
