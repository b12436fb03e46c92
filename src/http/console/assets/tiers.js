// Tier colours follow the configured order (cheapest first), so every page and chart agrees.
import { h } from "./dom.js";

/** Palette class for a tier: c0 for the cheapest, c1 next, … */
export function tierClass(tier, tiers) {
  const i = tiers.indexOf(tier);
  return `c${i < 0 ? 7 : i % 7}`;
}

export function tierBadge(tier, tiers, size) {
  return h("span", { class: `tier ${tierClass(tier, tiers)}${size ? ` ${size}` : ""}`, "data-tier": tier }, tier);
}
