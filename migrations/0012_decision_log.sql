-- Custom migration: the decision log, partitioned by day (drizzle-kit cannot
-- express PARTITION BY). The table's drizzle definition is
-- src/db/decision-log-table.ts; day partitions (decision_log_pYYYYMMDD) are
-- created ahead and dropped past retention by the service (src/db/partitions.ts).
CREATE TABLE IF NOT EXISTS "decision_log" (
	"decision_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"tier" text NOT NULL,
	"reason" text NOT NULL,
	"confidence" real NOT NULL,
	"margin" real NOT NULL,
	"revision" bigint NOT NULL,
	"cached" boolean NOT NULL,
	"shadow_of" text,
	"shadow_reason" text,
	"embedding_key" text,
	"text_hash" text,
	"nearest_similarity" real,
	"profile" text NOT NULL,
	"constrained_by" text,
	"caller" text NOT NULL,
	"session_id" text,
	"tags" text[],
	"query_text" text,
	CONSTRAINT "decision_log_pk" PRIMARY KEY ("decision_id", "at")
) PARTITION BY RANGE ("at");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "decision_log_text_hash_idx" ON "decision_log" USING btree ("text_hash", "at");
--> statement-breakpoint
-- A shadow answer is not a fallback either (isFallback in src/routing/decision.ts); same columns as 0007, replaced in place.
CREATE OR REPLACE VIEW "v_fallback_rate_daily" AS
SELECT date_trunc('day', bucket) AS day,
       sum(count)::bigint AS requests,
       coalesce(sum(count) FILTER (WHERE reason = 'low_margin_fallback'), 0)::bigint AS low_margin_fallbacks,
       coalesce(sum(count) FILTER (WHERE reason NOT IN ('knn', 'second_stage', 'rule', 'llm_rated', 'exemplar', 'shadow')), 0)::bigint AS all_fallbacks,
       round(coalesce(sum(count) FILTER (WHERE reason = 'low_margin_fallback'), 0)::numeric / nullif(sum(count), 0), 4) AS low_margin_rate,
       round(coalesce(sum(count) FILTER (WHERE reason NOT IN ('knn', 'second_stage', 'rule', 'llm_rated', 'exemplar', 'shadow')), 0)::numeric / nullif(sum(count), 0), 4) AS fallback_rate
FROM routing_stats
GROUP BY 1;
--> statement-breakpoint
-- Drift, day by day: how close traffic comes to the exemplars (decisions computed afresh),
-- and how often routing gives up on it. The reason of a shadow answer is its routed one.
CREATE VIEW "v_drift_daily" AS
SELECT date_trunc('day', at) AS day,
       count(*)::bigint AS decisions,
       count(nearest_similarity)::bigint AS searched,
       round(avg(nearest_similarity)::numeric, 4) AS mean_nearest_similarity,
       round((percentile_cont(0.1) WITHIN GROUP (ORDER BY nearest_similarity))::numeric, 4) AS p10_nearest_similarity,
       round((count(*) FILTER (WHERE coalesce(shadow_reason, reason) NOT IN ('knn', 'second_stage', 'rule', 'llm_rated', 'exemplar')))::numeric / count(*), 4) AS fallback_rate,
       round((count(*) FILTER (WHERE coalesce(shadow_reason, reason) IN ('no_close_exemplar', 'out_of_distribution')))::numeric / count(*), 4) AS out_of_distribution_rate
FROM decision_log
GROUP BY 1;
