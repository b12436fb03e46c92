import { FakeUpstream, type Behaviour } from "../../../scripts/fake-upstream.js";
import { jsonHeaders, send, type HttpRequest, type HttpResult } from "./http.js";

export { FakeUpstream };

/** The checkout's tiers (tierline.config.json), for configs that give them upstreams. */
const TIER_PRICES = { fast: ["llama-3.1-8b-instruct", 0.2], standard: ["gpt-4o-mini", 1.0], premium: ["claude-sonnet-4", 10.0] } as const;

export interface FakeModel {
  /** The upstream model name: requests name it as their `model` to go straight to this upstream. */
  model: string;
  timeoutMs?: number;
  apiKeyEnv?: string;
}

/**
 * `tiers` for a scenario's config: the checkout's three tiers, each with
 * upstreams on the fake, one per model name. A request that names one of
 * those models goes to that upstream alone (no routing, no fallback).
 */
export function tiersOn(fake: FakeUpstream, byTier: Record<keyof typeof TIER_PRICES, FakeModel[]>): unknown[] {
  return (Object.keys(TIER_PRICES) as Array<keyof typeof TIER_PRICES>).map((name) => ({
    name,
    model: TIER_PRICES[name][0],
    pricePer1MTokens: TIER_PRICES[name][1],
    upstreams: byTier[name].map((m) => ({
      baseUrl: fake.baseUrl,
      model: m.model,
      name: m.model,
      ...(m.timeoutMs !== undefined && { timeoutMs: m.timeoutMs }),
      ...(m.apiKeyEnv !== undefined && { apiKeyEnv: m.apiKeyEnv }),
    })),
  }));
}

/** The fake behaves per requested model (unknown models answer normally). */
export function scriptByModel(fake: FakeUpstream, behaviours: Record<string, Behaviour | (() => Behaviour)>): void {
  fake.script = ({ body }) => {
    const b = behaviours[String(body.model)];
    return typeof b === "function" ? b() : (b ?? {});
  };
}

/** POST /v1/chat/completions asking one question of `model`. */
export function chat(base: string, model: string, options: Partial<HttpRequest> & { extra?: Record<string, unknown> } = {}): Promise<HttpResult> {
  const { extra, ...req } = options;
  return send(base, {
    method: "POST",
    path: "/v1/chat/completions",
    headers: jsonHeaders,
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello there" }], ...extra }),
    ...req,
  });
}
