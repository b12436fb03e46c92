import { readFileSync } from "node:fs";
import { loadConfig, parseConfig } from "../src/base/config/load-config.js";
import { openLiveService } from "./lib/live-service.js";
import { routeWithServiceRouter } from "./lib/service-routing.js";

const panel = readFileSync("test/fixtures/everyday-panel.jsonl", "utf8").trim().split("\n").map((l) => JSON.parse(l));
const config = loadConfig();
const live = await openLiveService(config);
for (const strategy of (process.env.STRATS ?? "second-stage,knn").split(",")) {
  const cfg = { ...config, routing: { ...config.routing, strategy } } as any;
  const ds = await routeWithServiceRouter(cfg, live.deps.encoder, live.index, panel.map((p) => p.query));
  const by: Record<string, Record<string, number>> = {};
  ds.forEach((d, i) => { const k = panel[i].kind; (by[k] ??= {})[d.tier] = (by[k]![d.tier] ?? 0) + 1; if (process.env.V) console.log(strategy, k, d.tier, d.reason, d.confidence, panel[i].query.slice(0, 60)); });
  console.log(strategy, JSON.stringify(by));
}
await live.close();
