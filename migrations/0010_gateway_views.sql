-- An LLM-rated decision is not a fallback (routing/decision.ts isFallback: knn, second_stage, rule and llm_rated stand).
-- Same columns as in 0003 and 0007, so the view is replaced in place.
CREATE OR REPLACE VIEW "v_fallback_rate_daily" AS
SELECT date_trunc('day', bucket) AS day,
       sum(count)::bigint AS requests,
       coalesce(sum(count) FILTER (WHERE reason = 'low_margin_fallback'), 0)::bigint AS low_margin_fallbacks,
       coalesce(sum(count) FILTER (WHERE reason NOT IN ('knn', 'second_stage', 'rule', 'llm_rated')), 0)::bigint AS all_fallbacks,
       round(coalesce(sum(count) FILTER (WHERE reason = 'low_margin_fallback'), 0)::numeric / nullif(sum(count), 0), 4) AS low_margin_rate,
       round(coalesce(sum(count) FILTER (WHERE reason NOT IN ('knn', 'second_stage', 'rule', 'llm_rated')), 0)::numeric / nullif(sum(count), 0), 4) AS fallback_rate
FROM routing_stats
GROUP BY 1;
--> statement-breakpoint
-- Real gateway spend per day and tier (every attempt that reported usage: answers, checks, ratings) at the prices of the day it was spent.
CREATE VIEW "v_gateway_spend_daily" AS
SELECT date_trunc('day', at) AS day,
       tier,
       count(*) FILTER (WHERE kind = 'answer' AND served AND outcome = 'ok')::bigint AS answers,
       count(*)::bigint AS attempts,
       coalesce(sum(prompt_tokens), 0)::bigint AS prompt_tokens,
       coalesce(sum(completion_tokens), 0)::bigint AS completion_tokens,
       coalesce(sum(cost_usd), 0)::float8 AS spend_usd
FROM gateway_attempts
GROUP BY 1, 2;
--> statement-breakpoint
-- What the gateway's answers cost against sending every one of them to the most expensive tier.
CREATE VIEW "v_gateway_savings_daily" AS
SELECT e.day, e.requests, e.counterfactual_usd, coalesce(a.spend_usd, 0)::float8 AS spend_usd,
       (e.counterfactual_usd - coalesce(a.spend_usd, 0))::float8 AS savings_usd,
       round((coalesce(a.spend_usd, 0) / nullif(e.counterfactual_usd, 0))::numeric, 4) AS relative_cost
FROM (SELECT date_trunc('day', at) AS day, count(*)::bigint AS requests, coalesce(sum(counterfactual_usd), 0)::float8 AS counterfactual_usd
      FROM gateway_exchanges GROUP BY 1) e
LEFT JOIN (SELECT date_trunc('day', at) AS day, sum(cost_usd)::float8 AS spend_usd FROM gateway_attempts GROUP BY 1) a USING (day);
