import type { TierConfig } from "../../base/config/config-schema.js";

/** One upstream model endpoint, as the gateway calls it. Carries no key: keys stay in Secrets. */
export interface Upstream {
  /** Its name in logs, metrics and the attempt log: the configured `name`, or "<tier>/<index>". */
  readonly id: string;
  readonly tier: string;
  /** baseUrl + "/chat/completions". Never logged or exported (it may name a private host). */
  readonly url: string;
  readonly model: string;
  readonly apiKeyEnv?: string;
  readonly timeoutMs: number;
  /** USD per 1M tokens: the upstream's own price, else its tier's. */
  readonly pricePer1MTokens: number;
}

/**
 * The configured upstreams, per tier and in order, and the chains the
 * gateway tries: a tier's own upstreams, then its fallback tiers' own
 * upstreams in the order listed.
 */
export class UpstreamRegistry {
  readonly all: readonly Upstream[];
  readonly tierNames: readonly string[];
  /** The most expensive tier's price: what "everything on premium" would cost per 1M tokens. */
  readonly premiumPrice: number;
  private readonly own = new Map<string, Upstream[]>();
  private readonly chains = new Map<string, Upstream[]>();

  constructor(tiers: readonly TierConfig[]) {
    this.tierNames = tiers.map((t) => t.name);
    this.premiumPrice = Math.max(...tiers.map((t) => t.pricePer1MTokens));
    for (const tier of tiers) {
      this.own.set(
        tier.name,
        (tier.upstreams ?? []).map((u, i) => ({
          id: u.name ?? `${tier.name}/${i}`,
          tier: tier.name,
          url: `${u.baseUrl.replace(/\/+$/, "")}/chat/completions`,
          model: u.model,
          apiKeyEnv: u.apiKeyEnv,
          timeoutMs: u.timeoutMs,
          pricePer1MTokens: u.pricePer1MTokens ?? tier.pricePer1MTokens,
        })),
      );
    }
    for (const tier of tiers) this.chains.set(tier.name, [...this.ownOf(tier.name), ...(tier.fallbackTiers ?? []).flatMap((f) => this.ownOf(f))]);
    this.all = [...this.own.values()].flat();
    const ids = new Set<string>();
    for (const u of this.all) {
      if (ids.has(u.id)) throw new Error(`two upstreams share the name "${u.id}"`);
      ids.add(u.id);
    }
  }

  /** True when at least one tier has an upstream: the gateway can serve. */
  get configured(): boolean {
    return this.all.length > 0;
  }

  /** The tier's own upstreams, in order. */
  ownOf(tier: string): Upstream[] {
    return this.own.get(tier) ?? [];
  }

  /** The tier's own upstreams, then its fallback tiers'. */
  chainFor(tier: string): Upstream[] {
    return this.chains.get(tier) ?? [];
  }

  /** Upstreams serving this concrete model name, in configuration order. */
  byModel(model: string): Upstream[] {
    return this.all.filter((u) => u.model === model);
  }

  /** The position of a tier, cheapest first (-1 if unknown). */
  rankOf(tier: string): number {
    return this.tierNames.indexOf(tier);
  }
}
