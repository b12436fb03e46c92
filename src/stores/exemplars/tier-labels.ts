/**
 * Exemplars whose tier the configuration does not name can never be chosen:
 * the router would vote with them and send the query to the fallback tier,
 * silently. So a tier renamed in the configuration without its exemplars
 * stops the service, with the way out.
 */
export class UnconfiguredTiersError extends Error {
  override name = "UnconfiguredTiersError";
}

/** The shipped exemplars' tiers, cheapest first: the order a suggested mapping follows. */
const SHIPPED_ORDER = ["fast", "standard", "premium"];

/** Throws UnconfiguredTiersError when `counts` (exemplars per tier) names tiers outside `configured`. */
export function checkExemplarTiers(
  counts: Readonly<Record<string, number>>,
  configured: readonly string[],
  where: { kind: "files" | "database"; name: string; firstAt?: (tier: string) => string | undefined },
): void {
  const unknown = Object.keys(counts).filter((t) => !configured.includes(t));
  if (unknown.length === 0) return;
  unknown.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const lines = unknown.map((t) => {
    const n = `${counts[t]} exemplar${counts[t] === 1 ? "" : "s"}`;
    return `  - ${where.firstAt?.(t) ?? where.name}: tier "${t}" is not configured (${where.firstAt ? `${n} in ${where.name}` : n})`;
  });
  const head = `Exemplars of tiers that are not configured; the configured tiers are ${configured.join(", ")}:\n${lines.join("\n")}`;
  const map = suggestedMap(
    unknown,
    configured.filter((t) => !(t in counts)),
  );
  const advice =
    where.kind === "files"
      ? `Relabel them for your tiers, e.g. \`npx tierline exemplars relabel ${map} ${where.name} > my-exemplars/seed.jsonl\` and start with TIERLINE_EXEMPLARS_DIR=my-exemplars, or bring exemplars of your own (docs/exemplars.md).`
      : `Configure those tier names again, or move the exemplars to your tiers: with the earlier configuration running, \`npx tierline exemplars export > old.jsonl\`, \`npx tierline exemplars relabel ${map} old.jsonl > new.jsonl\`, and seed a new database from new.jsonl (docs/exemplars.md).`;
  throw new UnconfiguredTiersError(`${head}\n${advice}`);
}

const rank = (tier: string) => (SHIPPED_ORDER.includes(tier) ? SHIPPED_ORDER.indexOf(tier) : SHIPPED_ORDER.length);

/** old=new pairs in order when the numbers match (fast=small,standard=medium,…), else old=<tier>. */
function suggestedMap(unknown: readonly string[], unused: readonly string[]): string {
  return unknown.map((t, i) => `${t}=${unknown.length === unused.length ? unused[i] : "<tier>"}`).join(",");
}
