-- The reasons under which a judgement stands (routing/decision.ts decidedReasons): every other reason is a fallback.
-- A new decided reason is one INSERT in a later migration; the views below need no rewrite.
INSERT INTO "decided_reasons" ("reason") VALUES ('knn'), ('second_stage'), ('rule'), ('llm_rated'), ('exemplar'), ('shadow') ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION is_fallback(r text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT NOT EXISTS (SELECT 1 FROM decided_reasons WHERE reason = r)
$$;
--> statement-breakpoint
-- Same columns as 0012, replaced in place; fallbacks counted by is_fallback.
CREATE OR REPLACE VIEW "v_fallback_rate_daily" AS
SELECT date_trunc('day', bucket) AS day,
       sum(count)::bigint AS requests,
       coalesce(sum(count) FILTER (WHERE reason = 'low_margin_fallback'), 0)::bigint AS low_margin_fallbacks,
       coalesce(sum(count) FILTER (WHERE is_fallback(reason)), 0)::bigint AS all_fallbacks,
       round(coalesce(sum(count) FILTER (WHERE reason = 'low_margin_fallback'), 0)::numeric / nullif(sum(count), 0), 4) AS low_margin_rate,
       round(coalesce(sum(count) FILTER (WHERE is_fallback(reason)), 0)::numeric / nullif(sum(count), 0), 4) AS fallback_rate
FROM routing_stats
GROUP BY 1;
--> statement-breakpoint
-- The reason of a shadow answer is its routed one (never "shadow" itself).
CREATE OR REPLACE VIEW "v_drift_daily" AS
SELECT date_trunc('day', at) AS day,
       count(*)::bigint AS decisions,
       count(nearest_similarity)::bigint AS searched,
       round(avg(nearest_similarity)::numeric, 4) AS mean_nearest_similarity,
       round((percentile_cont(0.1) WITHIN GROUP (ORDER BY nearest_similarity))::numeric, 4) AS p10_nearest_similarity,
       round((count(*) FILTER (WHERE is_fallback(coalesce(shadow_reason, reason))))::numeric / count(*), 4) AS fallback_rate,
       round((count(*) FILTER (WHERE coalesce(shadow_reason, reason) IN ('no_close_exemplar', 'out_of_distribution')))::numeric / count(*), 4) AS out_of_distribution_rate
FROM decision_log
GROUP BY 1;
