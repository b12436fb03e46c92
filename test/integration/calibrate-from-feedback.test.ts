import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The app first: zod's OpenAPI extension must precede any schema (src/http/rules-handlers.ts).
import { createApp } from "../../src/app/app.js";
import { loadConfig } from "../../src/base/config/load-config.js";
import { openDatabase } from "../../src/adapters/db/client.js";
import { buildDeps } from "../../src/app/deps.js";
import { loadSecondStageModel } from "../../src/routing/second-stage/second-stage-file.js";
import { openReplicaDatabases } from "../helpers/databases.js";
import { call } from "../helpers/http.js";

const run = promisify(execFile);
const FEEDBACK = "feedback-token-0123456789";
const exemplars: Record<string, string[]> = {
  fast: ["What is the capital of Germany?", "how many days are in a leap year", "Translate 'good morning' into Spanish", "Who wrote Romeo and Juliet?"],
  standard: [
    "Write a Python function that merges two sorted lists",
    "Draft a polite email asking my landlord to fix the heating",
    "Explain the difference between TCP and UDP with examples",
  ],
  premium: [
    "Prove that there are infinitely many primes and generalise the argument",
    "Design a globally distributed payment ledger with exactly-once semantics",
    "Write a threat model for a multi-tenant Kubernetes platform",
  ],
};
/** 36 queries, 12 per tier: the traffic shadow mode answers premium, and the tier an evaluator says each needed. */
const traffic = Array.from({ length: 12 }, (_, i) => [
  { query: `What is the capital city of country number ${i}?`, tier: "fast" },
  { query: `Write a short Python function that sorts list number ${i} and explain it`, tier: "standard" },
  { query: `Prove theorem ${i} about primes in arithmetic progressions and analyse its generalisations`, tier: "premium" },
]).flat();

// `npm run calibrate -- --from-feedback`: the second stage (and the vote) recalibrated on a generated log of shadow
// decisions with feedback, read from the service's database by the calibrate command itself.
describe.each(["pglite", "postgres"] as const)("npm run calibrate --from-feedback on %s", (kind) => {
  let dir: string;
  let configFile: string;
  let databaseUrl: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  const skip = kind === "postgres" && !process.env.TEST_DATABASE_URL;

  beforeAll(async () => {
    if (skip) return;
    dir = mkdtempSync(path.join(tmpdir(), "tierline-calibrate-feedback-"));
    mkdirSync(path.join(dir, "exemplars"));
    for (const [tier, texts] of Object.entries(exemplars))
      writeFileSync(path.join(dir, "exemplars", `${tier}.jsonl`), texts.map((text) => JSON.stringify({ text, tier })).join("\n") + "\n");
    configFile = path.join(dir, "tierline.config.json");
    writeFileSync(
      configFile,
      JSON.stringify(
        { dataDir: path.join(dir, "data"), exemplarsDir: path.join(dir, "exemplars"), logLevel: "silent", routing: { strategy: "knn", ood: { enabled: false } } },
        null,
        2,
      ) + "\n",
    );
    if (kind === "postgres") {
      const scratch = (await openReplicaDatabases())!;
      databaseUrl = scratch.url;
      drop = scratch.drop;
    }
    // The service as it runs in shadow mode, then stopped (an embedded database has one user at a time).
    const config = loadConfig({ TIERLINE_CONFIG: configFile, TIERLINE_FEEDBACK_TOKEN: FEEDBACK, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
    const database = await openDatabase(databaseUrl ? { url: databaseUrl } : { dataDir: path.join(dir, "data", "pglite") });
    const deps = await buildDeps({ ...config, shadow: { enabled: true } }, { database, logger: pino({ level: "silent" }) });
    await deps.lifecycle.start();
    const app = createApp(deps);
    const lines: string[] = [];
    for (const row of traffic) {
      const d = (await call(app, "POST", "/route", { json: { query: row.query } })).body;
      lines.push(JSON.stringify({ decisionId: d.decisionId, verdict: row.tier === "premium" ? "ok" : "overkill", correctTier: row.tier, query: row.query }));
    }
    const imported = await call(app, "POST", "/feedback/import", { token: FEEDBACK, body: lines.join("\n"), contentType: "application/x-ndjson" });
    expect(imported.body).toMatchObject({ created: traffic.length });
    await deps.lifecycle.stop();
    await database.close();
  });
  afterAll(async () => {
    await drop?.();
  });

  const calibrate = (...args: string[]) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl };
    if (databaseUrl === undefined) delete env.DATABASE_URL;
    delete env.TIERLINE_CONFIG;
    const loose = ["--criterion", "quality", "--target-quality", "0.5", "--confidence", "0.6", "--folds", "3"];
    return run(process.execPath, ["--import", "tsx", "eval/calibrate.ts", "--from-feedback", "--config", configFile, ...loose, ...args], { env, timeout: 240_000 });
  };

  it.skipIf(skip)("retrains the second stage on the labelled log and writes it with --write", async () => {
    const modelOut = path.join(dir, "models", "second-stage.json");
    const { stdout } = await calibrate("--strategy", "second-stage", "--model-out", modelOut, "--write");
    expect(stdout).toMatch(/from feedback: 36 decisions with feedback .*, 0 without text left out/);
    expect(stdout).toMatch(/36 calibration rows \(feedback 36\)/);
    expect(stdout).toContain(`wrote ${modelOut} and ${configFile}`);
    const config = loadConfig({ TIERLINE_CONFIG: configFile });
    expect(config.routing).toMatchObject({ strategy: "second-stage", secondStage: { modelFile: modelOut } });
    const model = loadSecondStageModel(modelOut, { tiers: ["fast", "standard", "premium"], embeddingModel: JSON.parse(readFileSync(modelOut, "utf8")).embeddingModel });
    expect(model.training).toMatchObject({ rows: 36, bySource: { feedback: 36 }, data: "feedback on logged decisions" });
  });

  it.skipIf(skip)("calibrates the vote on the same rows", async () => {
    const { stdout } = await calibrate("--strategy", "knn");
    expect(stdout).toMatch(/36 calibration rows \(feedback 36\)/);
    expect(stdout).toMatch(/^chosen \(/m);
  });
});
