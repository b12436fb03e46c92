import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/base/config/load-config.js";
import { loadSecondStageModel } from "../../src/routing/second-stage/second-stage-file.js";
import { openReplicaDatabases } from "../helpers/databases.js";

/** A handful of exemplars per tier: the scratch service's whole exemplar set. */
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

const run = promisify(execFile);
const tracked = path.resolve("tierline.config.json");
const hashOf = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Labelled rows in the user's own format ({"query", "tier"}): 36 queries, 12 per tier, all calibration rows. */
function labelledRows(): string {
  const rows: Array<{ query: string; tier: string }> = [];
  for (let i = 0; i < 12; i++) {
    rows.push({ query: `What is the capital city of country number ${i}?`, tier: "fast" });
    rows.push({ query: `Write a short Python function that sorts list number ${i} and explain it`, tier: "standard" });
    rows.push({ query: `Prove theorem ${i} about primes in arithmetic progressions and analyse its generalisations`, tier: "premium" });
  }
  return rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
}

// `npm run calibrate` against a scratch service: its own config file, data directory and exemplars,
// on PGlite and (with TEST_DATABASE_URL) PostgreSQL. Loose targets, so a point passes on 36 rows.
describe.each(["pglite", "postgres"] as const)("npm run calibrate on %s", (kind) => {
  let dir: string;
  let configFile: string;
  let databaseUrl: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  const skip = kind === "postgres" && !process.env.TEST_DATABASE_URL;

  beforeAll(async () => {
    if (skip) return;
    dir = mkdtempSync(path.join(tmpdir(), "tierline-calibrate-"));
    mkdirSync(path.join(dir, "exemplars"));
    for (const [tier, texts] of Object.entries(exemplars)) {
      writeFileSync(path.join(dir, "exemplars", `${tier}.jsonl`), texts.map((text) => JSON.stringify({ text, tier })).join("\n") + "\n");
    }
    writeFileSync(path.join(dir, "labelled.jsonl"), labelledRows());
    configFile = path.join(dir, "tierline.config.json");
    const config = { dataDir: path.join(dir, "data"), exemplarsDir: path.join(dir, "exemplars"), logLevel: "silent", routing: { k: 7, margin: 0.17, minSimilarity: 0.3 } };
    writeFileSync(configFile, JSON.stringify(config, null, 2) + "\n");
    if (kind === "postgres") {
      const scratch = (await openReplicaDatabases())!;
      databaseUrl = scratch.url;
      drop = scratch.drop;
    }
  });
  afterAll(async () => {
    await drop?.();
  });

  const calibrate = (...args: string[]) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TIERLINE_CONFIG: undefined, DATABASE_URL: databaseUrl };
    if (databaseUrl === undefined) delete env.DATABASE_URL;
    delete env.TIERLINE_CONFIG;
    const loose = ["--criterion", "quality", "--target-quality", "0.5", "--confidence", "0.6", "--folds", "3"];
    return run(process.execPath, ["--import", "tsx", "eval/calibrate.ts", "--data", path.join(dir, "labelled.jsonl"), "--config", configFile, ...loose, ...args], {
      env,
      timeout: 240_000,
    });
  };

  it.skipIf(skip)("prints the chosen setting and writes nothing without --write (the tracked config least of all)", async () => {
    const before = readFileSync(configFile, "utf8");
    const trackedBefore = hashOf(tracked);
    const modelOut = path.join(dir, "never-written.json");
    for (const strategy of ["knn", "second-stage"]) {
      const { stdout } = await calibrate("--strategy", strategy, "--model-out", modelOut);
      expect(stdout).toMatch(/36 calibration rows \(own 36\); 10 live exemplars/);
      expect(stdout).toMatch(/^chosen \(/m);
      expect(stdout).toMatch(/nothing written: pass --write/);
    }
    expect(readFileSync(configFile, "utf8")).toBe(before);
    expect(existsSync(modelOut)).toBe(false);
    expect(hashOf(tracked)).toBe(trackedBefore);
  });

  it.skipIf(skip)("with --write, writes the routing values (and the model) and the service loads them", async () => {
    const modelOut = path.join(dir, "models", "second-stage.json");
    const { stdout } = await calibrate("--strategy", "second-stage", "--model-out", modelOut, "--write");
    expect(stdout).toContain(`wrote ${modelOut} and ${configFile}`);
    const config = loadConfig({ TIERLINE_CONFIG: configFile });
    expect(config.routing).toMatchObject({ strategy: "second-stage", secondStage: { modelFile: modelOut }, ood: { enabled: true } });
    expect(config.routing.secondStage.downgradeCost).toBeUndefined();
    expect(config.dataDir).toBe(path.join(dir, "data"));
    const model = loadSecondStageModel(modelOut, { tiers: ["fast", "standard", "premium"], embeddingModel: JSON.parse(readFileSync(modelOut, "utf8")).embeddingModel });
    expect(model.training).toMatchObject({ rows: 36, bySource: { own: 36 } });

    await calibrate("--strategy", "knn", "--write");
    expect(loadConfig({ TIERLINE_CONFIG: configFile }).routing.strategy).toBe("knn");
  });
});
