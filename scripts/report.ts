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
import { loadConfig } from "../src/config/load-config.js";
import { migrateDatabase } from "../src/db/migrate.js";
import { dailySeries, topRepeatedQueries } from "../src/stats/daily-series.js";
import { renderDailyChart } from "../src/stats/report-chart.js";
import { buildDeps } from "../src/deps.js";

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
const { database, stats } = await buildDeps(config, { logger: pino({ level: "silent" }) });
await migrateDatabase(database);
const window = { from, to };
const [cache, routing, days, top] = await Promise.all([stats.cache(window), stats.routing(window), dailySeries(database.db, from, to), topRepeatedQueries(database.db, 10)]);
await database.close();

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const lines = [
  `tierline report ${from.toISOString().slice(0, 10)} .. ${to.toISOString().slice(0, 10)} (${database.kind})`,
  "",
  `requests          ${routing.requests}`,
  `cache hit rate    ${pct(cache.hitRate)} (${cache.hits} hits, ${cache.misses} misses, ${cache.distinctKeys} distinct queries)`,
  `tier mix          ${Object.entries(routing.tierMix).map(([t, v]) => `${t} ${pct(v.share)}`).join(", ")}`,
  `reasons           ${Object.entries(routing.reasons).map(([r, n]) => `${r} ${n}`).join(", ") || "-"}`,
  `fallback rate     ${pct(routing.fallbackRate)} (low margin ${pct(routing.lowMarginFallbackRate)})`,
  `estimated cost    ${pct(routing.estimatedCost.relativeToAlwaysPremium)} of always-premium (savings ${pct(routing.estimatedCost.savings)}, equal tokens per request assumed)`,
  "",
  "day          requests  hit rate  " + config.tiers.map((t) => t.name.padStart(9)).join(" "),
  ...days.map((d) => `${d.day}  ${String(d.requests).padStart(8)}  ${pct(d.hitRate).padStart(8)}  ${config.tiers.map((t) => String(d.tiers[t.name] ?? 0).padStart(9)).join(" ")}`),
  "",
  "top repeated queries (hits, tier, text or hash)",
  ...top.map((q) => `  ${String(q.hits).padStart(6)}  ${q.tier.padEnd(9)} ${q.sampleText ?? `#${q.key.slice(0, 16)}`}`),
];
console.log(lines.join("\n"));
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, renderDailyChart(days, config.tiers.map((t) => t.name)));
console.log(`\nchart: ${out}`);
