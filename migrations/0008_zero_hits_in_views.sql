-- A group with no cache hits (or no misses) showed NULL, not 0: sum() over an
-- empty FILTER is NULL. Same columns and types as in 0003, so the views are
-- replaced in place.
CREATE OR REPLACE VIEW "v_daily_hit_rate" AS
SELECT date_trunc('day', bucket) AS day,
       sum(count)::bigint AS requests,
       coalesce(sum(count) FILTER (WHERE cached), 0)::bigint AS hits,
       coalesce(sum(count) FILTER (WHERE NOT cached), 0)::bigint AS misses,
       round(coalesce(sum(count) FILTER (WHERE cached), 0)::numeric / nullif(sum(count), 0), 4) AS hit_rate
FROM routing_stats
GROUP BY 1;
--> statement-breakpoint
CREATE OR REPLACE VIEW "v_hit_rate_by_tier" AS
SELECT tier,
       sum(count)::bigint AS requests,
       coalesce(sum(count) FILTER (WHERE cached), 0)::bigint AS hits,
       round(coalesce(sum(count) FILTER (WHERE cached), 0)::numeric / nullif(sum(count), 0), 4) AS hit_rate
FROM routing_stats
GROUP BY tier;
