import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { printTable, type Headline } from "./figures.js";
import { prepareGolden } from "./golden.js";
import { measureMachine, type MachineSpeed } from "./machine.js";
import { ensureDir, resultsDir, scenarioResultsDir, serviceCwd } from "./paths.js";
import { scale, seed } from "./scale.js";
import { serviceCommand } from "./service.js";

/**
 * Once per suite run: the seeded golden cluster and data dir every scenario
 * copies; afterwards, the summary of every scenario's figures
 * (results/latest-scale-<scale>.{json,md}; gitignored, copy a run worth keeping to results/recorded/) and a table on stdout.
 */
export default async function setup(project: TestProject) {
  const runId = `${new Date().toISOString()}-${process.pid}`;
  process.env.RELIABILITY_RUN_ID = runId;
  rmSync(scenarioResultsDir, { recursive: true, force: true });
  // Before the golden cluster starts, so nothing of the suite's own is running yet.
  const machine = await measureMachine();
  console.log(
    `reliability: machine factor ${machine.factor} (probe round ${machine.roundMs} ms, reference box ${machine.referenceMs} ms): wall-clock bounds' slack is scaled by it (harness/machine.ts)`,
  );
  project.provide("machine", machine);
  const started = performance.now();
  const prepared = await prepareGolden();
  console.log(
    `reliability: golden cluster and data dir seeded in ${Math.round(performance.now() - started)} ms (service: ${serviceCommand.join(" ")}, scale ${scale}, seed ${seed})`,
  );
  project.provide("golden", prepared.golden);

  return async () => {
    await prepared.dispose();
    summarize(runId, machine);
  };
}

function summarize(runId: string, machine: MachineSpeed): void {
  let files: string[] = [];
  try {
    files = readdirSync(scenarioResultsDir).filter((f) => f.endsWith(".json"));
  } catch {
    return;
  }
  const scenarios = files
    .map((f) => JSON.parse(readFileSync(path.join(scenarioResultsDir, f), "utf8")) as { scenario: string; runId: string; headlines: Headline[]; figures: unknown })
    .filter((s) => s.runId === runId)
    .sort((a, b) => a.scenario.localeCompare(b.scenario));
  if (scenarios.length === 0) return;
  // Failures last: the tail of a CI log is what gets read.
  const all = scenarios.flatMap((s) => s.headlines);
  const headlines = [...all.filter((h) => h.pass), ...all.filter((h) => !h.pass)];
  const tag = `scale-${scale}`;
  ensureDir(resultsDir);
  const doc = {
    runId,
    at: new Date().toISOString(),
    scale,
    seed,
    machine,
    service: serviceLabel(),
    serviceCommand: serviceCommand.join(" "),
    node: process.version,
    headlines,
    scenarios,
  };
  writeFileSync(path.join(resultsDir, `latest-${tag}.json`), `${JSON.stringify(doc, null, 2)}\n`);
  const md = [
    `Measured ${doc.at} against ${doc.service}, scale ${scale}, seed ${seed}, \`${doc.serviceCommand}\`, Node ${process.version}, machine factor ${machine.factor} (bounds' slack scaled by it).`,
    "",
    "| scenario | criterion | measured | result |",
    "| --- | --- | --- | --- |",
    ...headlines.map((h) => `| ${h.scenario} | ${h.criterion} | ${h.measured} | ${h.pass ? "pass" : "**FAIL**"} |`),
    "",
  ].join("\n");
  writeFileSync(path.join(resultsDir, `latest-${tag}.md`), md);
  printTable(
    `reliability summary (scale ${scale}; results/latest-${tag}.json)`,
    headlines.map((h) => ({ scenario: h.scenario, criterion: h.criterion, measured: h.measured, result: h.pass ? "pass" : "FAIL" })),
  );
  const failed = headlines.filter((h) => !h.pass);
  console.log(
    failed.length === 0
      ? `reliability: all ${headlines.length} criteria met (machine factor ${machine.factor})`
      : `reliability: ${failed.length} of ${headlines.length} criteria FAILED (machine factor ${machine.factor}):\n${failed.map((h) => `  FAIL ${h.scenario}: ${h.criterion}; measured ${h.measured}`).join("\n")}`,
  );
}

/** Which build was measured: RELIABILITY_SERVICE_LABEL, else the service checkout's commit (+dirty). */
function serviceLabel(): string {
  if (process.env.RELIABILITY_SERVICE_LABEL) return process.env.RELIABILITY_SERVICE_LABEL;
  try {
    const commit = execFileSync("git", ["-C", serviceCwd, "rev-parse", "--short", "HEAD"], { stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
    const dirty =
      execFileSync("git", ["-C", serviceCwd, "status", "--porcelain", "--", "src"], { stdio: ["ignore", "pipe", "ignore"] })
        .toString()
        .trim() !== "";
    return `${commit}${dirty ? " with uncommitted src/ changes" : ""}`;
  } catch {
    return serviceCwd;
  }
}
