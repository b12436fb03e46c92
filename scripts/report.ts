/**
 * Cache-hit and routing report from the database: a text summary and an SVG
 * chart of the daily tier mix and hit rate.
 *   npm run report -- [--from 2026-11-01] [--to 2026-12-01] [--out data/report.svg]
 * Uses DATABASE_URL, or the PGlite in TIERLINE_DATA_DIR (stop the service
 * first: an embedded database has one user at a time).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { loadConfig } from "../src/base/config/load-config.js";
import { migrateDatabase } from "../src/adapters/db/migrate.js";
import { dailySeries, topRepeatedQueries } from "../src/stores/stats/daily-series.js";
import { renderDailyChart } from "../src/stores/stats/report-chart.js";
import { buildDeps } from "../src/app/deps.js";

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const config = loadConfig();
const to = opt("to") ? new Date(opt("to")!) : new Date();
const from = opt("from") ? new Date(opt("from")!) : new Date(to.getTime() - 30 * 86_400_000);
if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) {
  console.error("--from and --to must be dates with --from before --to");
  process.exit(2);
}
const out = opt("out") ?? path.join(config.dataDir, "report.svg");
// The service's own composition root; only the database is used (the model is never loaded).
const { database, stats, gatewayStats } = await buildDeps(config, { logger: pino({ level: "silent" }) });
await migrateDatabase(database);
const window = { from, to };
const [cache, routing, days, top, gateway] = await Promise.all([
  stats.cache(window),
  stats.routing(window),
  dailySeries(database.db, from, to),
  topRepeatedQueries(database.db, 10),
  gatewayStats.summary(window),
]);
await database.close();

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const lines = [
  `tierline report ${from.toISOString().slice(0, 10)} .. ${to.toISOString().slice(0, 10)} (${database.kind})`,
  "",
  `requests          ${routing.requests}`,
  `cache hit rate    ${pct(cache.hitRate)} (${cache.hits} hits, ${cache.misses} misses, ${cache.distinctKeys} distinct queries)`,
  `tier mix          ${Object.entries(routing.tierMix)
    .map(([t, v]) => `${t} ${pct(v.share)}`)
    .join(", ")}`,
  `reasons           ${
    Object.entries(routing.reasons)
      .map(([r, n]) => `${r} ${n}`)
      .join(", ") || "-"
  }`,
  `fallback rate     ${pct(routing.fallbackRate)} (low margin ${pct(routing.lowMarginFallbackRate)})`,
  `estimated cost    ${pct(routing.estimatedCost.relativeToAlwaysPremium)} of always-premium (savings ${pct(routing.estimatedCost.savings)}, equal tokens per request assumed)`,
  "",
  "day          requests  hit rate  " + config.tiers.map((t) => t.name.padStart(9)).join(" "),
  ...days.map((d) => `${d.day}  ${String(d.requests).padStart(8)}  ${pct(d.hitRate).padStart(8)}  ${config.tiers.map((t) => String(d.tiers[t.name] ?? 0).padStart(9)).join(" ")}`),
  "",
  "top repeated queries (hits, tier, text or hash)",
  ...top.map((q) => `  ${String(q.hits).padStart(6)}  ${q.tier.padEnd(9)} ${q.sampleText ?? `#${q.key.slice(0, 16)}`}`),
  "",
  ...gatewayLines(gateway),
];
console.log(lines.join("\n"));
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(
  out,
  renderDailyChart(
    days,
    config.tiers.map((t) => t.name),
  ),
);
console.log(`\nchart: ${out}`);

/** The gateway's spend: real, per tier, against sending every answer to the most expensive tier. */
function gatewayLines(g: Awaited<ReturnType<typeof gatewayStats.summary>>): string[] {
  if (g.requests === 0 && g.attempts.total === 0) return ["gateway           no requests in this window"];
  const usd = (x: number) => `$${x.toFixed(x >= 100 ? 0 : x >= 1 ? 2 : 4)}`;
  const outcomes = Object.entries(g.outcomes)
    .map(([o, n]) => `${o} ${n}`)
    .join(", ");
  return [
    `gateway           ${g.requests} requests (${outcomes}); ${g.attempts.fallbacks} served after a fallback; cascades ${g.cascade.accepted} accepted, ${g.cascade.escalated} escalated`,
    `gateway spend     ${usd(g.spend.actualUsd)} against ${usd(g.spend.counterfactualUsd)} with every answer on the most expensive tier: ` +
      `savings ${usd(g.spend.savingsUsd)}${g.spend.relativeToAlwaysPremium === null ? "" : ` (${pct(g.spend.relativeToAlwaysPremium)} of always-premium)`}` +
      `${g.spend.requestsWithoutUsage > 0 ? `; ${g.spend.requestsWithoutUsage} answers came without usage and are not counted` : ""}`,
    `  of which         checks ${usd(g.spend.byKind.verify ?? 0)}, complexity ratings ${usd(g.spend.byKind.rate ?? 0)} (${g.llmRating.ratings} ratings; ${g.llmRating.ratedRequests} rated requests)`,
    "",
    "tier         answers  attempts   prompt tok  completion tok    spend USD  all-premium USD",
    ...Object.entries(g.byTier).map(
      ([tier, t]) =>
        `${tier.padEnd(12)} ${String(t.requests).padStart(7)} ${String(t.attempts).padStart(9)} ${String(t.promptTokens).padStart(12)} ${String(t.completionTokens).padStart(15)} ${t.spendUsd.toFixed(4).padStart(12)} ${t.counterfactualUsd.toFixed(4).padStart(16)}`,
    ),
  ];
}
