import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { parseConfig } from "../../src/base/config/load-config.js";
import type { RoutingParams } from "./knn-routing.js";

/**
 * Writes calibrated routing values into a config file, keeping every other
 * field as it was. The result is validated with the service's own parser
 * before it is written, so calibration can never leave an unloadable file.
 * When the file holds "routing" as one flat object, only that object's text
 * is replaced, so the rest of the file keeps its exact formatting.
 */
export function writeRoutingValues(file: string, params: RoutingParams): void {
  writeRoutingPatch(file, { k: params.k, margin: params.margin, minSimilarity: params.minSimilarity });
}

/**
 * Merges a patch into the file's "routing" object (nested objects such as
 * "ood" are merged one level deep; an undefined value removes the field) and
 * writes it, validated first with the service's own parser.
 */
export function writeRoutingPatch(file: string, patch: Record<string, unknown>): void {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "{}";
  const raw = JSON.parse(text) as Record<string, unknown>;
  const updated = withRoutingPatch(raw, patch);
  parseConfig(updated, {}, file);
  writeFileSync(file, replaceRoutingText(text, updated) ?? formatConfigJson(updated));
}

export function withRoutingPatch(raw: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  const routing: Record<string, unknown> = isObject(raw.routing) ? { ...raw.routing } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete routing[key];
    else if (isObject(value)) {
      const merged: Record<string, unknown> = { ...(isObject(routing[key]) ? routing[key] : {}), ...value };
      for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
      routing[key] = merged;
    } else routing[key] = value;
  }
  return { ...raw, routing };
}

/**
 * The file's text with only its routing object rewritten (one field per line
 * when it was written over several lines), or null when that cannot be done safely.
 */
function replaceRoutingText(text: string, updated: Record<string, unknown>): string | null {
  // The routing object, with at most one level of nested objects (ood, secondStage).
  const pattern = /"routing"\s*:\s*\{(?:[^{}]|\{[^{}]*\})*\}/g;
  const found = text.match(pattern) ?? [];
  if (found.length !== 1) return null;
  const routing = updated.routing as Record<string, unknown>;
  const body = found[0]!.includes("\n")
    ? `{\n${Object.entries(routing)
        .map(([k, v]) => `    ${JSON.stringify(k)}: ${inlineJson(v)}`)
        .join(",\n")}\n  }`
    : inlineJson(routing);
  const candidate = text.replace(pattern, () => `"routing": ${body}`);
  try {
    return isDeepStrictEqual(JSON.parse(candidate), updated) ? candidate : null;
  } catch {
    return null;
  }
}

export function withRoutingValues(raw: Record<string, unknown>, params: RoutingParams): Record<string, unknown> {
  return withRoutingPatch(raw, { k: params.k, margin: params.margin, minSimilarity: params.minSimilarity });
}

/**
 * The config file's house style: one top-level field per line, small objects
 * inline, arrays of objects one element per line.
 */
export function formatConfigJson(config: Record<string, unknown>): string {
  const field = ([key, value]: [string, unknown]) => {
    const body =
      Array.isArray(value) && value.some((x) => typeof x === "object" && x !== null) ? `[\n${value.map((x) => `    ${inlineJson(x)}`).join(",\n")}\n  ]` : inlineJson(value);
    return `  ${JSON.stringify(key)}: ${body}`;
  };
  return `{\n${Object.entries(config).map(field).join(",\n")}\n}\n`;
}

/** JSON on one line with a space after each separator: { "a": 1, "b": [1, 2] }. */
function inlineJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(inlineJson).join(", ")}]`;
  if (typeof v === "object" && v !== null) {
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${inlineJson(x)}`)
      .join(", ")} }`;
  }
  return JSON.stringify(v);
}
