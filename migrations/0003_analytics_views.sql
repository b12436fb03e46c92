-- Analytics views over routing_stats (every decision, counted per minute),
-- decision_cache (one row per distinct query embedding) and tier_prices.
-- Spend estimates assume the same number of tokens per request in every tier.

CREATE VIEW "v_daily_hit_rate" AS
SELECT date_trunc('day', bucket) AS day,
       sum(count)::bigint AS requests,
       sum(count) FILTER (WHERE cached)::bigint AS hits,
       sum(count) FILTER (WHERE NOT cached)::bigint AS misses,
       round(coalesce(sum(count) FILTER (WHERE cached), 0)::numeric / nullif(sum(count), 0), 4) AS hit_rate
FROM routing_stats
GROUP BY 1;
--> statement-breakpoint
CREATE VIEW "v_hit_rate_by_tier" AS
SELECT tier,
       sum(count)::bigint AS requests,
       sum(count) FILTER (WHERE cached)::bigint AS hits,
       round(coalesce(sum(count) FILTER (WHERE cached), 0)::numeric / nullif(sum(count), 0), 4) AS hit_rate
FROM routing_stats
GROUP BY tier;
--> statement-breakpoint
CREATE VIEW "v_tier_mix_daily" AS
SELECT date_trunc('day', bucket) AS day,
       tier,
       sum(count)::bigint AS requests,
       round(sum(count)::numeric / nullif(sum(sum(count)) OVER (PARTITION BY date_trunc('day', bucket)), 0), 4) AS share
FROM routing_stats
GROUP BY 1, 2;
--> statement-breakpoint
CREATE VIEW "v_fallback_rate_daily" AS
SELECT date_trunc('day', bucket) AS day,
       sum(count)::bigint AS requests,
       coalesce(sum(count) FILTER (WHERE reason = 'low_margin_fallback'), 0)::bigint AS low_margin_fallbacks,
       coalesce(sum(count) FILTER (WHERE reason <> 'knn'), 0)::bigint AS all_fallbacks,
       round(coalesce(sum(count) FILTER (WHERE reason = 'low_margin_fallback'), 0)::numeric / nullif(sum(count), 0), 4) AS low_margin_rate,
       round(coalesce(sum(count) FILTER (WHERE reason <> 'knn'), 0)::numeric / nullif(sum(count), 0), 4) AS fallback_rate
FROM routing_stats
GROUP BY 1;
--> statement-breakpoint
CREATE VIEW "v_top_repeated_queries" AS
SELECT key, query_text AS sample_text, hits, tier, reason, model_id, revision, first_seen, last_seen
FROM decision_cache
WHERE hits > 0
ORDER BY hits DESC, last_seen DESC;
--> statement-breakpoint
CREATE VIEW "v_estimated_spend_daily" AS
SELECT date_trunc('day', s.bucket) AS day,
       sum(s.count)::bigint AS requests,
       sum(s.count * p.price_per_1m_tokens) AS routed_cost_units,
       sum(s.count) * (SELECT max(price_per_1m_tokens) FROM tier_prices) AS always_premium_cost_units,
       round((sum(s.count * p.price_per_1m_tokens) / nullif(sum(s.count) * (SELECT max(price_per_1m_tokens) FROM tier_prices), 0))::numeric, 4) AS relative_cost,
       round((1 - sum(s.count * p.price_per_1m_tokens) / nullif(sum(s.count) * (SELECT max(price_per_1m_tokens) FROM tier_prices), 0))::numeric, 4) AS savings
FROM routing_stats s
JOIN tier_prices p ON p.tier = s.tier
GROUP BY 1;
