import type { Rule } from "./api-types.js";

/** The API's request and response types (generated from the service's schemas). */
export type * from "./api-types.js";

/** The rules in force (GET /rules): from the config file, or replaced at run time through PUT /rules. */
export type RulesInForce = { rules: Rule[]; revision: number; source: "config" | "database" };

/** A statistics window: ISO 8601 date-times or dates (UTC midnight), or Dates; default the last 24 hours. */
export interface StatsWindow {
  from?: string | Date;
  to?: string | Date;
}

export interface ListExemplarsQuery {
  tier?: string;
  /** Case-insensitive substring of the text. */
  q?: string;
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** Curator writes: keep near-duplicates across tiers (`force`), and an Idempotency-Key to retry safely. */
export interface WriteOptions {
  force?: boolean;
  idempotencyKey?: string;
}
