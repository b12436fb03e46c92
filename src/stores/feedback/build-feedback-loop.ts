import type { Config } from "../../base/config/config-schema.js";
import { shadowTierOf } from "../../base/config/loop-schema.js";
import type { Database } from "../../adapters/db/client.js";
import type { DatabaseGuard } from "../../adapters/db/database-guard.js";
import { DecisionLog } from "../decision-log/decision-log.js";
import type { DecisionLogStore } from "../decision-log/decision-log-repository.js";
import type { DecisionLogWriter } from "../decision-log/decision-log-writer.js";
import type { Encoder } from "../../adapters/embeddings/encoder.js";
import type { CuratorService } from "../exemplars/curator-service.js";
import type { ExemplarIndexRef } from "../../adapters/vector-index/exemplar-index.js";
import { FeedbackService } from "./feedback-service.js";
import { InsightsService } from "./insights-service.js";
import { ReviewService } from "./review-service.js";

export interface FeedbackLoopInput {
  config: Config;
  db: Database;
  guard: DatabaseGuard;
  /** Built before the router (it observes every decision); null with decisions.enabled false. */
  writer: DecisionLogWriter | null;
  store: DecisionLogStore;
  curator: CuratorService;
  encoder: Encoder;
  index: ExemplarIndexRef;
  onFeedback: (f: { tier: string; reason: string; verdict: string }) => void;
  logger: ConstructorParameters<typeof DecisionLog>[0]["logger"];
}

/** The feedback loop's services over the decision log, for the composition root (deps.ts). */
export function buildFeedbackLoop(input: FeedbackLoopInput) {
  const { config, db, guard, encoder, index } = input;
  const { decisions } = config;
  const decisionLog = new DecisionLog({
    db,
    guard,
    writer: input.writer,
    store: input.store,
    retentionDays: decisions.retentionDays,
    partitionsAhead: decisions.partitionsAhead,
    flushIntervalMs: decisions.flushIntervalMs,
    logger: input.logger,
  });
  return {
    decisionLog,
    feedback: new FeedbackService({
      db,
      guard,
      log: decisionLog,
      tiers: config.tiers.map((t) => t.name),
      maxInputChars: () => encoder.maxInputChars,
      perLineBudgetMs: config.feedback.perLineBudgetMs,
      onFeedback: input.onFeedback,
    }),
    review: new ReviewService({ db, guard, curator: input.curator, encoder, index }),
    insights: new InsightsService({ db, guard, log: decisionLog, tiers: config.tiers, shadowTier: shadowTierOf(config), encoder, index }),
  };
}
