import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough, Writable } from "node:stream";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app/app.js";
import { run } from "../../src/http/cli/run.js";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { buildDeps, type Deps } from "../../src/app/deps.js";
import { UnconfiguredTiersError } from "../../src/stores/exemplars/tier-labels.js";
import { databaseTargets } from "../helpers/databases.js";
import { defaultTestEncoder, sampleExemplars, testConfig } from "../helpers/runtime.js";

const count = (tier: string) => sampleExemplars.filter((e) => e.tier === tier).length;
const [nFast, nStandard, nPremium] = [count("fast"), count("standard"), count("premium")];

const ownTiers = [
  { name: "small", model: "llama-3.1-8b-instruct", pricePer1MTokens: 0.2 },
  { name: "medium", model: "gpt-4o-mini", pricePer1MTokens: 1 },
  { name: "large", model: "claude-sonnet-4", pricePer1MTokens: 10 },
];

/** Runs the CLI in process; resolves to its exit code and output. */
async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const sink = (append: (s: string) => void) => new Writable({ write: (c, _e, done) => (append(c.toString()), done()) });
  const stdin = new PassThrough();
  stdin.end();
  const code = await run(argv, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), stdin, env: {} });
  return { code, stdout, stderr };
}

// Issue 16: renaming the tiers failed start-up when the database was empty (the shipped files name fast, standard,
// premium), and when it was not, the service started and sent every query to the fallback tier, silently.
describe.each(databaseTargets())("bringing your own tiers on $name", (target) => {
  const encoder = defaultTestEncoder();
  const dir = mkdtempSync(path.join(tmpdir(), "tierline-own-tiers-"));
  const shipped = path.join(dir, "shipped");
  mkdirSync(shipped);
  for (const tier of ["fast", "standard", "premium"]) {
    writeFileSync(
      path.join(shipped, `${tier}.jsonl`),
      sampleExemplars
        .filter((e) => e.tier === tier)
        .map((e) => JSON.stringify(e))
        .join("\n") + "\n",
    );
  }
  const databases: DatabaseHandle[] = [];
  const started: Deps[] = [];
  afterAll(async () => {
    for (const deps of started) await deps.lifecycle.stop();
    for (const database of databases) await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async () => {
    const database = await target.open();
    databases.push(database);
    return database;
  };
  const build = async (database: DatabaseHandle, config: Record<string, unknown>) => {
    const deps = await buildDeps(testConfig(config), { logger: pino({ level: "silent" }), database, encoder });
    started.push(deps);
    return deps;
  };
  const startError = async (deps: Deps) => {
    try {
      await deps.lifecycle.start();
    } catch (err) {
      return err as Error;
    }
    throw new Error("start-up succeeded");
  };

  it("stops start-up on an empty database with every unconfigured label and the relabel command", async () => {
    const deps = await build(await open(), { tiers: ownTiers, exemplarsDir: shipped });
    const err = await startError(deps);
    expect(err).toBeInstanceOf(UnconfiguredTiersError);
    expect(err.message).toContain(
      [
        "Exemplars of tiers that are not configured; the configured tiers are small, medium, large:",
        `  - ${shipped}/fast.jsonl:1: tier "fast" is not configured (${nFast} exemplars in ${shipped})`,
        `  - ${shipped}/standard.jsonl:1: tier "standard" is not configured (${nStandard} exemplars in ${shipped})`,
        `  - ${shipped}/premium.jsonl:1: tier "premium" is not configured (${nPremium} exemplars in ${shipped})`,
      ].join("\n"),
    );
    expect(err.message).toContain(`npx tierline exemplars relabel fast=small,standard=medium,premium=large ${shipped} > my-exemplars/seed.jsonl`);
  });

  it("starts and routes with the relabelled exemplars", async () => {
    const relabelled = await cli(["exemplars", "relabel", "fast=small,standard=medium,premium=large", shipped]);
    expect(relabelled.code, relabelled.stderr).toBe(0);
    expect(relabelled.stderr).toBe(`relabelled ${sampleExemplars.length} lines: fast → small ${nFast}, premium → large ${nPremium}, standard → medium ${nStandard}\n`);
    const own = path.join(dir, "own");
    mkdirSync(own);
    writeFileSync(path.join(own, "seed.jsonl"), relabelled.stdout);

    const deps = await build(await open(), { tiers: ownTiers, exemplarsDir: own });
    await deps.lifecycle.start();
    const res = await createApp(deps).request("/route", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "What is the capital city of Italy?" }),
    });
    expect(await res.json()).toMatchObject({ tier: "small", model: "llama-3.1-8b-instruct", reason: "knn" });
  });

  it("routes on the shipped default strategy under renamed tiers: the second stage maps its levels by position", async () => {
    const relabelled = await cli(["exemplars", "relabel", "fast=small,standard=medium,premium=large", shipped]);
    const own = path.join(dir, "own-default");
    mkdirSync(own);
    writeFileSync(path.join(own, "seed.jsonl"), relabelled.stdout);
    // tierline.config.json's routing: the second stage with the shipped model file and the OOD guard.
    const routing = { strategy: "second-stage", secondStage: { modelFile: "./models/second-stage.json" }, ood: { enabled: true } };
    const deps = await build(await open(), { tiers: ownTiers, exemplarsDir: own, routing });
    await deps.lifecycle.start();
    const app = createApp(deps);
    const route = async (query: string) =>
      (await (await app.request("/route", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) })).json()) as {
        tier: string;
        reason: string;
      };
    expect(await route("What is the capital city of Italy?")).toMatchObject({ tier: "small" });
    const decided = await route("Summarise the causes of inflation for a general reader and suggest three sources");
    expect(["small", "medium", "large"]).toContain(decided.tier);
    expect(["knn", "second_stage", "out_of_distribution"]).toContain(decided.reason);
    expect(deps.router.unreachableTiers()).toEqual([]);
  });

  it("starts on the vote, saying so in one log line, when the second stage was trained for another number of tiers", async () => {
    const relabelled = await cli(["exemplars", "relabel", "fast=small,standard=large,premium=large", shipped]);
    const two = path.join(dir, "two-tiers");
    mkdirSync(two);
    writeFileSync(path.join(two, "seed.jsonl"), relabelled.stdout);
    const lines: string[] = [];
    const logger = pino({ level: "warn" }, new Writable({ write: (c, _e, done) => (lines.push(c.toString()), done()) }));
    const config = testConfig({
      tiers: [ownTiers[0], ownTiers[2]],
      exemplarsDir: two,
      routing: { strategy: "second-stage", secondStage: { modelFile: "./models/second-stage.json" } },
    });
    const deps = await buildDeps(config, { logger, database: await open(), encoder });
    started.push(deps);
    await deps.lifecycle.start();
    const warning = lines.map((l) => JSON.parse(l) as { msg: string }).filter((l) => /routing with the vote/.test(l.msg));
    expect(warning).toHaveLength(1);
    expect(warning[0]!.msg).toMatch(/trained for 3 tiers \(fast, standard, premium\), the config has 2 \(small, large\)/);
    const d = await deps.router.route({ query: "What is the capital city of Italy?" });
    expect(d).toMatchObject({ tier: "small", reason: "knn" });
  });

  it("stops start-up when the database holds exemplars of tiers the configuration no longer names", async () => {
    const database = await open();
    const before = await build(database, { exemplarsDir: shipped });
    await before.lifecycle.start();
    await before.lifecycle.stop();

    const after = await build(database, { tiers: ownTiers, exemplarsDir: shipped });
    const err = await startError(after);
    expect(err).toBeInstanceOf(UnconfiguredTiersError);
    expect(err.message).toContain(
      `  - the database: tier "fast" is not configured (${nFast} exemplars)\n  - the database: tier "standard" is not configured (${nStandard} exemplars)`,
    );
    expect(err.message).toContain("npx tierline exemplars relabel fast=small,standard=medium,premium=large old.jsonl > new.jsonl");

    // A tier added to the configuration is fine: it simply has no exemplars yet.
    const added = await build(database, { tiers: [{ name: "nano", model: "tiny-1b", pricePer1MTokens: 0.05 }, ...testConfig().tiers], exemplarsDir: shipped });
    await added.lifecycle.start();
  });

  it("relabel refuses a malformed map and keeps tiers the map does not name", async () => {
    expect((await cli(["exemplars", "relabel", "fast=<tier>", shipped])).code).toBe(2);
    expect((await cli(["exemplars", "relabel", "fast", shipped])).stderr).toContain("expected old=new pairs");
    const partial = await cli(["exemplars", "relabel", "premium=large", path.join(shipped, "premium.jsonl"), path.join(shipped, "fast.jsonl")]);
    const tiers = partial.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { tier: string }).tier);
    expect(new Set(tiers)).toEqual(new Set(["large", "fast"]));
  });
});
