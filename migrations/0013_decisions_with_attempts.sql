-- Custom migration: the gateway's attempts and spend beside the decision that chose the tier, so the
-- decision log answers "what happened to this request" in one place (issue 15: every attempt is in the
-- decision log). One row per decision the gateway served; attempts as a JSON array in order.
CREATE OR REPLACE VIEW "v_decisions_with_attempts" AS
SELECT d.decision_id,
       d.at,
       d.profile,
       d.caller,
       d.tier AS decided_tier,
       d.reason,
       x.served_tier,
       x.served_upstream,
       x.outcome,
       x.status,
       x.attempts AS attempt_count,
       x.fallback,
       x.cascade,
       x.prompt_tokens,
       x.completion_tokens,
       x.cost_usd,
       x.counterfactual_usd,
       coalesce((SELECT json_agg(json_build_object('seq', a.seq, 'kind', a.kind, 'tier', a.tier, 'upstream', a.upstream, 'model', a.model,
                                                   'outcome', a.outcome, 'status', a.status, 'ms', a.ms, 'served', a.served) ORDER BY a.seq)
                 FROM gateway_attempts a WHERE a.decision_id = x.decision_id), '[]'::json) AS attempts
FROM decision_log d
JOIN gateway_exchanges x ON x.decision_id = d.decision_id::text;
