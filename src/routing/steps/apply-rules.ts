import type { CompiledRule, RequestFacts } from "../../base/policy/rule-set.js";
import type { DecisionStep, RouteRequest } from "../pipeline.js";

/** What rules match on, from a request, its routed text (normalised) and its estimated input tokens. */
export function requestFacts(request: Pick<RouteRequest, "conversation" | "tags">, text: string, tokens: number): RequestFacts {
  const conversation = request.conversation;
  return {
    text,
    tokens,
    messages: conversation?.messages ?? 1,
    hasCode: conversation?.hasCode ?? false,
    hasAttachments: conversation?.hasAttachments ?? false,
    hasTools: conversation?.hasTools ?? false,
    tags: request.tags ?? [],
  };
}

/**
 * The rules fast path, before the cache and the vote: every rule is
 * evaluated (explain lists the matches), the first whose action names a
 * tier decides with reason "rule", and minTier/maxTier actions bound the
 * router's answer later (the bounds step).
 */
export function rulesStep(rules: () => readonly CompiledRule[]): DecisionStep {
  return {
    name: "rules",
    run(ctx) {
      const compiled = rules();
      if (compiled.length === 0) return;
      const facts = requestFacts(ctx.request, ctx.text, ctx.inputTokens);
      for (const { rule, test } of compiled) {
        if (!test(facts)) continue;
        ctx.matchedRules.push({ name: rule.name, action: rule.action });
        if ("tier" in rule.action && ctx.verdict === undefined) {
          ctx.rule = rule.name;
          ctx.verdict = { tier: rule.action.tier, confidence: 1, margin: 1, reason: "rule", revision: ctx.revision };
        }
      }
    },
  };
}
