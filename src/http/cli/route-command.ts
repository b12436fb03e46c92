import type { RouteDecision } from "../client/index.js";

/** A decision for a person: the tier and model, then why, then (with --explain) the vote and the neighbors. */
export function formatDecision(d: RouteDecision): string {
  const lines = [`${d.tier}  ${d.model}`];
  const facts = [
    `reason ${d.reason}${d.rule ? ` (${d.rule})` : ""}`,
    `confidence ${d.confidence.toFixed(2)}`,
    `margin ${d.margin.toFixed(2)}`,
    d.constrainedBy ? `constrained by ${d.constrainedBy}` : null,
    d.profile !== "default" ? `profile ${d.profile}` : null,
    d.cached ? "cached" : null,
    d.truncated ? "query truncated" : null,
    `${d.timings.totalMs.toFixed(1)} ms`,
  ];
  lines.push(facts.filter((f) => f !== null).join(" · "));
  lines.push(`~${d.estimatedInputTokens} input tokens: cost ${formatCost(d.estimatedCost.chosen)} here, ${formatCost(d.estimatedCost.mostCapable)} on the most capable tier`);
  if (d.votes) {
    const shares = Object.entries(d.votes).map(([tier, share]) => `${tier} ${share.toFixed(2)}`);
    lines.push(`votes: ${shares.join(", ")}${d.votedTier ? ` (voted ${d.votedTier})` : ""}`);
  }
  if (d.neighbors && d.neighbors.length > 0) {
    const width = Math.max(...d.neighbors.map((n) => n.tier.length));
    lines.push("neighbors (similarity, tier, exemplar):");
    for (const n of d.neighbors) lines.push(`  ${n.similarity.toFixed(3)}  ${n.tier.padEnd(width)}  ${oneLine(n.text)}`);
  }
  if (d.rules && d.rules.length > 0) {
    lines.push(
      `rules matched: ${d.rules
        .map(
          (r) =>
            `${r.name} (${Object.entries(r.action)
              .map(([k, v]) => `${k} ${v}`)
              .join(", ")})`,
        )
        .join("; ")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Costs are tiny per request (dollars per million tokens): enough significant digits to compare. */
function formatCost(n: number): string {
  return n === 0 ? "0" : n.toPrecision(2);
}

function oneLine(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
