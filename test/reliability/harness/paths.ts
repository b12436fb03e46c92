import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is test/reliability/harness/paths.ts). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * Where the service runs from. Defaults to this checkout; point it at another
 * tree (e.g. an exported older commit) to measure that build with this suite.
 */
export const serviceCwd = process.env.TIERLINE_RELIABILITY_CWD ? path.resolve(process.env.TIERLINE_RELIABILITY_CWD) : repoRoot;

export const resultsDir = path.join(repoRoot, "test/reliability/results");
/** Per-scenario figures of the latest run (gitignored); the suite summary is written beside it. */
export const scenarioResultsDir = path.join(resultsDir, "scenarios");
/** Captured stdout/stderr of every service process started by the suite (gitignored). */
export const logsDir = path.join(resultsDir, "logs");

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
