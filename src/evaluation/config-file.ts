import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseConfig } from "../config.js";
import type { RoutingParams } from "./knn-routing.js";

/**
 * Writes calibrated routing values into a config file, keeping every other
 * field as it was. The result is validated with the service's own parser
 * before it is written, so calibration can never leave an unloadable file.
 */
export function writeRoutingValues(file: string, params: RoutingParams): void {
  const raw: Record<string, unknown> = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
  const updated = withRoutingValues(raw, params);
  parseConfig(updated, {}, file);
  writeFileSync(file, formatConfigJson(updated));
}

export function withRoutingValues(raw: Record<string, unknown>, params: RoutingParams): Record<string, unknown> {
  const routing = typeof raw.routing === "object" && raw.routing !== null ? (raw.routing as Record<string, unknown>) : {};
  return { ...raw, routing: { ...routing, k: params.k, margin: params.margin, minSimilarity: params.minSimilarity } };
}

/**
 * The config file's house style: one top-level field per line, small objects
 * inline, arrays of objects one element per line.
 */
export function formatConfigJson(config: Record<string, unknown>): string {
  const inline = (v: unknown): string =>
    Array.isArray(v)
      ? `[${v.map(inline).join(", ")}]`
      : typeof v === "object" && v !== null
        ? `{ ${Object.entries(v)
            .map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`)
            .join(", ")} }`
        : JSON.stringify(v);
  const field = ([key, value]: [string, unknown]) => {
    const body =
      Array.isArray(value) && value.some((x) => typeof x === "object" && x !== null)
        ? `[\n${value.map((x) => `    ${inline(x)}`).join(",\n")}\n  ]`
        : inline(value);
    return `  ${JSON.stringify(key)}: ${body}`;
  };
  return `{\n${Object.entries(config).map(field).join(",\n")}\n}\n`;
}
