import { DomainError } from "../base/errors.js";
import type { TierLadder } from "./tier-ladder.js";

/** What a caller may ask of one decision (POST /route fields of the same names). */
export interface RequestLimits {
  minTier?: string;
  maxTier?: string;
  allowedTiers?: readonly string[];
  /** Most the request may cost, in the currency of the configured prices (estimated input tokens × tier price). */
  budget?: number;
}

export type LimitField = "minTier" | "maxTier" | "allowedTiers" | "budget";

/** A limit that contradicts the tiers or the other limits; the HTTP layer answers 400 naming `field`. */
export class InvalidLimitError extends DomainError {
  override name = "InvalidLimitError";
  readonly code = "invalid_limit" as const;
  override readonly details: { field: LimitField };
  constructor(
    readonly field: LimitField,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.details = { field };
  }
}

/** Even the cheapest tier the limits allow costs more than the budget (422). */
export class BudgetTooSmallError extends DomainError {
  override name = "BudgetTooSmallError";
  readonly code = "budget_too_small" as const;
  override readonly details: { cheapest: { tier: string; cost: number }; budget: number };
  constructor(
    readonly cheapest: { tier: string; cost: number },
    readonly budget: number,
  ) {
    super(`budget: ${budget} does not cover the cheapest allowed tier (${cheapest.tier}, estimated ${cheapest.cost.toPrecision(3)})`);
    this.details = { cheapest, budget };
  }
}

/** The tiers the limits leave, cheapest first; throws InvalidLimitError when they are unknown or leave none. */
export function allowedTiers(ladder: TierLadder, limits: RequestLimits): string[] {
  for (const field of ["minTier", "maxTier"] as const) {
    const tier = limits[field];
    if (tier !== undefined && !ladder.has(tier)) throw new InvalidLimitError(field, `"${tier}" is not a configured tier (${ladder.names.join(", ")})`);
  }
  for (const tier of limits.allowedTiers ?? []) {
    if (!ladder.has(tier)) throw new InvalidLimitError("allowedTiers", `"${tier}" is not a configured tier (${ladder.names.join(", ")})`);
  }
  if (limits.allowedTiers !== undefined && limits.allowedTiers.length === 0) throw new InvalidLimitError("allowedTiers", "must name at least one tier");
  if (limits.minTier !== undefined && limits.maxTier !== undefined && ladder.rankOf(limits.minTier) > ladder.rankOf(limits.maxTier)) {
    throw new InvalidLimitError("maxTier", `"${limits.maxTier}" is below minTier "${limits.minTier}"`);
  }
  const left = ladder.names.filter(
    (t) =>
      (limits.minTier === undefined || ladder.rankOf(t) >= ladder.rankOf(limits.minTier)) &&
      (limits.maxTier === undefined || ladder.rankOf(t) <= ladder.rankOf(limits.maxTier)) &&
      (limits.allowedTiers === undefined || limits.allowedTiers.includes(t)),
  );
  if (left.length === 0) throw new InvalidLimitError("allowedTiers", "no tier satisfies minTier, maxTier and allowedTiers together");
  return left;
}

/**
 * Applies a request's limits to the tier the router chose. Quality first:
 * a tier below minTier goes up; a tier the limits exclude goes to the
 * cheapest allowed tier above it, else the most capable allowed below it;
 * the budget then takes the most capable allowed tier at or below that
 * whose estimated cost fits. `constrainedBy` names the limit that moved the
 * choice last (undefined when none did).
 */
export function applyLimits(ladder: TierLadder, chosen: string, limits: RequestLimits, inputTokens: number): { tier: string; constrainedBy?: LimitField } {
  const left = allowedTiers(ladder, limits);
  let tier = chosen;
  let constrainedBy: LimitField | undefined;
  const move = (to: string, field: LimitField) => {
    if (to !== tier) {
      tier = to;
      constrainedBy = field;
    }
  };
  if (!left.includes(tier)) {
    const above = left.find((t) => ladder.rankOf(t) > ladder.rankOf(tier));
    const target = above ?? left[left.length - 1]!;
    const field: LimitField =
      limits.minTier !== undefined && ladder.rankOf(tier) < ladder.rankOf(limits.minTier)
        ? "minTier"
        : limits.maxTier !== undefined && ladder.rankOf(tier) > ladder.rankOf(limits.maxTier)
          ? "maxTier"
          : "allowedTiers";
    move(target, field);
  }
  if (limits.budget !== undefined) {
    const budget = limits.budget;
    const affordable = left.filter((t) => ladder.rankOf(t) <= ladder.rankOf(tier) && ladder.costOf(t, inputTokens) <= budget);
    if (affordable.length === 0) {
      const cheapest = left[0]!;
      throw new BudgetTooSmallError({ tier: cheapest, cost: ladder.costOf(cheapest, inputTokens) }, budget);
    }
    move(affordable[affordable.length - 1]!, "budget");
  }
  return { tier, constrainedBy };
}
