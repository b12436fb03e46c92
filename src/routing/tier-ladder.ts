import type { TierConfig } from "../base/config/config-schema.js";

/**
 * The configured tiers as an ordered ladder, cheapest first: ranks,
 * prices, and the cost of a request at each rung.
 */
export class TierLadder {
  readonly names: readonly string[];
  private readonly rank: Map<string, number>;
  private readonly price: Map<string, number>;

  constructor(readonly tiers: readonly TierConfig[]) {
    this.names = tiers.map((t) => t.name);
    this.rank = new Map(this.names.map((n, i) => [n, i]));
    this.price = new Map(tiers.map((t) => [t.name, t.pricePer1MTokens]));
  }

  has(tier: string): boolean {
    return this.rank.has(tier);
  }

  /** Position on the ladder; a tier not on it ranks above the top (treated as the most capable). */
  rankOf(tier: string): number {
    return this.rank.get(tier) ?? this.names.length;
  }

  get top(): string {
    return this.names[this.names.length - 1]!;
  }

  /** The more capable of two tiers. */
  max(a: string, b: string): string {
    return this.rankOf(a) >= this.rankOf(b) ? a : b;
  }

  /** Estimated cost of `tokens` input tokens at a tier, in the currency of the configured prices. */
  costOf(tier: string, tokens: number): number {
    const price = this.price.get(tier) ?? Math.max(...this.price.values());
    return (tokens * price) / 1_000_000;
  }

  /**
   * The cheapest tier of this ladder at or above `tier`: where a profile
   * offers only some tiers, a query that needs a missing one goes up.
   */
  atOrAbove(tier: string, of: readonly TierConfig[]): string {
    const needed = this.rankOf(tier);
    return of.find((t) => this.rankOf(t.name) >= needed)?.name ?? of[of.length - 1]!.name;
  }
}
