/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The app first: zod's OpenAPI extension must precede any schema (src/http/rules-handlers.ts).
import { createApp } from "../../src/app/app.js";
import { loadConfig } from "../../src/base/config/load-config.js";
import { openDatabase, type DatabaseHandle } from "../../src/adapters/db/client.js";
import { buildDeps } from "../../src/app/deps.js";
import { openReplicaDatabases } from "../helpers/databases.js";
import { call } from "../helpers/http.js";

const run = promisify(execFile);
const FEEDBACK = "feedback-token-0123456789";
const tiers = ["fast", "standard", "premium"];
const price: Record<string, number> = { fast: 0.02, standard: 0.1, premium: 1 };

/**
 * Real outcome-labelled traffic of one kind (test/data/outcomes/dcrouter.jsonl:
 * what an 8B, a 51B and a 49B model actually got right): two thirds of the
 * rows are the user's traffic that shadow mode answers and an
 * evaluator labels; the held-back rows (every third) are only ever measured.
 */
const rows = readFileSync("test/data/outcomes/dcrouter.jsonl", "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { query: string; tier: string })
  .filter((_, i) => i % 2 === 0);
// Interleaved, so both parts hold every benchmark of the file in the same proportions.
const labelled = rows.filter((_, i) => i % 3 !== 0).slice(0, 1000);
const heldBack = rows.filter((_, i) => i % 3 === 0).slice(0, 500);

interface Measured {
  quality: number;
  cost: number;
  /** Rows sent below premium, and their cost: what upgrading them at random would add. */
  failed: number;
  belowTop: number;
  belowTopCost: number;
}

/** Routes queries 32 at a time through POST /route/batch (one embedding pass each), waiting out a 503 overloaded. */
async function routeAll(app: ReturnType<typeof createApp>, queries: readonly string[], extra: Record<string, unknown> = {}): Promise<any[]> {
  const out: any[] = [];
  for (let i = 0; i < queries.length; ) {
    const res = await call(app, "POST", "/route/batch", { json: { queries: queries.slice(i, i + 32).map((query) => ({ query, ...extra })) } });
    if (res.status === 503) {
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get("retry-after") ?? 1)));
      continue;
    }
    expect(res.status).toBe(200);
    out.push(...res.body.results);
    i += 32;
  }
  return out;
}

async function measure(app: ReturnType<typeof createApp>): Promise<Measured> {
  let served = 0;
  let cost = 0;
  let belowTop = 0;
  let belowTopCost = 0;
  const decisions = await routeAll(
    app,
    heldBack.map((r) => r.query),
    { shadow: false },
  );
  for (const [i, r] of heldBack.entries()) {
    const d = decisions[i];
    if (tiers.indexOf(d.tier) >= tiers.indexOf(r.tier)) served++;
    cost += price[d.tier]!;
    if (d.tier !== "premium") {
      belowTop++;
      belowTopCost += price[d.tier]!;
    }
  }
  const n = heldBack.length;
  return { quality: served / n, cost: cost / n, failed: (n - served) / n, belowTop: belowTop / n, belowTopCost: belowTopCost / n };
}

/**
 * A router's expected cost at a higher quality than its own: send a random
 * share of its below-premium decisions to premium instead (every failure is
 * among them, so each upgraded one is served with the failures' share).
 */
function costAt(m: Measured, quality: number): number {
  if (quality <= m.quality) return m.cost;
  const share = Math.min(1, (quality - m.quality) / m.failed);
  return m.cost + share * (m.belowTop - m.belowTopCost);
}

// The loop end to end, as a user runs it: shadow mode on the shipped defaults, feedback imported, then
// `npm run calibrate -- --from-feedback --write` with no other flag, and a restart on what it wrote.
describe.each(["pglite", "postgres"] as const)("calibration on the user's own traffic, end to end, on %s", (kind) => {
  const skip = kind === "postgres" && !process.env.TEST_DATABASE_URL;
  let dir: string;
  let configFile: string;
  let databaseUrl: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  let before: Measured;
  let after: Measured;
  let stdout = "";

  const start = async () => {
    const config = loadConfig({ TIERLINE_CONFIG: configFile, TIERLINE_FEEDBACK_TOKEN: FEEDBACK, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
    const database: DatabaseHandle = await openDatabase(databaseUrl ? { url: databaseUrl } : { dataDir: path.join(dir, "data", "pglite") });
    const deps = await buildDeps(config, { database, logger: pino({ level: "silent" }) });
    await deps.lifecycle.start();
    return { app: createApp(deps), config, stop: async () => (await deps.lifecycle.stop(), await database.close()) };
  };

  beforeAll(async () => {
    if (skip) return;
    dir = mkdtempSync(path.join(tmpdir(), "tierline-loop-"));
    configFile = path.join(dir, "tierline.config.json");
    const shipped = JSON.parse(readFileSync("tierline.config.json", "utf8"));
    shipped.routing.secondStage.modelFile = path.resolve("models/second-stage.json");
    writeFileSync(
      configFile,
      JSON.stringify({ ...shipped, dataDir: path.join(dir, "data"), exemplarsDir: path.resolve("exemplars"), logLevel: "silent", shadow: { enabled: true } }, null, 2),
    );
    if (kind === "postgres") {
      const scratch = (await openReplicaDatabases())!;
      databaseUrl = scratch.url;
      drop = scratch.drop;
    }
    const service = await start();
    const routed = await routeAll(
      service.app,
      labelled.map((r) => r.query),
    );
    const lines = labelled.map((r, i) =>
      JSON.stringify({ decisionId: routed[i].decisionId, verdict: r.tier === "premium" ? "ok" : "overkill", correctTier: r.tier, query: r.query }),
    );
    const imported = await call(service.app, "POST", "/feedback/import", { token: FEEDBACK, body: lines.join("\n"), contentType: "application/x-ndjson" });
    expect(imported.body).toMatchObject({ created: labelled.length, notFound: [], invalid: [] });
    before = await measure(service.app);
    await service.stop();

    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl };
    if (databaseUrl === undefined) delete env.DATABASE_URL;
    delete env.TIERLINE_CONFIG;
    const modelOut = path.join(dir, "models", "second-stage.json");
    ({ stdout } = await run(process.execPath, ["--import", "tsx", "eval/calibrate.ts", "--from-feedback", "--write", "--config", configFile, "--model-out", modelOut], {
      env,
      timeout: 600_000,
    }));

    const restarted = await start();
    expect(restarted.config.routing.secondStage.modelFile).toBe(modelOut);
    after = await measure(restarted.app);
    await restarted.stop();
    if (process.env.LOOP_DEBUG)
      console.log(
        kind,
        JSON.stringify({ before, after, at: [costAt(before, Math.max(before.quality, after.quality)), costAt(after, Math.max(before.quality, after.quality))] }),
        stdout,
      );
  }, 900_000);
  afterAll(async () => {
    await drop?.();
  });

  it.skipIf(skip)("calibrates with no flag but --write: quality on the traffic's own mix with a bound, and a label-efficiency curve", () => {
    expect(stdout).toMatch(/1000 calibration rows \(feedback 1000\)/);
    expect(stdout).toMatch(/target: quality >= 0\.95 on the calibration rows' tier mix, one-sided 95\.0% Clopper-Pearson bound/);
    expect(stdout).toMatch(/^chosen \(second-stage risk thresholds/m);
    expect(stdout).toMatch(/^\s+100 labels: quality \d\.\d{3}, cost \d\.\d{3}/m);
    expect(stdout).toMatch(/^\s+250 labels: /m);
    expect(stdout).toMatch(/^\s+500 labels: /m);
    expect(stdout).toContain(`wrote ${path.join(dir, "models", "second-stage.json")} and ${configFile}`);
  });

  it.skipIf(skip)("after a restart routes the held-back traffic cheaper than the shipped default at the same quality", () => {
    // Compared at the higher of the two qualities: the other router brought up to it by upgrading at random.
    const quality = Math.max(before.quality, after.quality);
    expect(costAt(after, quality)).toBeLessThan(costAt(before, quality));
    expect(after.quality).toBeGreaterThanOrEqual(0.95);
  });
});
