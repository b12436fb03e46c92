-- A fallback is a decision neither the vote, the second stage nor a rule made
-- (routing/decision.ts isFallback): second_stage and rule decisions stand on
-- their own, out_of_distribution and low_confidence_fallback are fallbacks.
-- Same columns as in 0003, so the view is replaced in place.
CREATE OR REPLACE VIEW "v_fallback_rate_daily" AS
SELECT date_trunc('day', bucket) AS day,
       sum(count)::bigint AS requests,
       coalesce(sum(count) FILTER (WHERE reason = 'low_margin_fallback'), 0)::bigint AS low_margin_fallbacks,
       coalesce(sum(count) FILTER (WHERE reason NOT IN ('knn', 'second_stage', 'rule')), 0)::bigint AS all_fallbacks,
       round(coalesce(sum(count) FILTER (WHERE reason = 'low_margin_fallback'), 0)::numeric / nullif(sum(count), 0), 4) AS low_margin_rate,
       round(coalesce(sum(count) FILTER (WHERE reason NOT IN ('knn', 'second_stage', 'rule')), 0)::numeric / nullif(sum(count), 0), 4) AS fallback_rate
FROM routing_stats
GROUP BY 1;
