import type { Database } from "../../adapters/db/client.js";
import { purgeFeedbackBefore } from "./feedback-repository.js";

/** Feedback and review items of decisions before the cutoff go with the log's dropped partitions (one transaction). */
export function purgeExpiredFeedback(db: Database, cutoff: Date): Promise<{ feedback: number; reviewItems: number }> {
  return db.transaction((tx) => purgeFeedbackBefore(tx, cutoff));
}
