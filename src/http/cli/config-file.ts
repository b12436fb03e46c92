import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseConfig } from "../../base/config/load-config.js";

/**
 * Writes calibrated routing values into a config file, keeping every other
 * field; the result is validated with the service's own parser first, so a
 * calibration never leaves a file the service cannot load.
 */
export function writeRoutingValues(file: string, values: { k: number; margin: number; minSimilarity: number }): void {
  const raw = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
  const routing = typeof raw.routing === "object" && raw.routing !== null ? (raw.routing as Record<string, unknown>) : {};
  const updated = { ...raw, routing: { ...routing, ...values } };
  parseConfig(updated, {}, file);
  writeFileSync(file, `${JSON.stringify(updated, null, 2)}\n`);
}
