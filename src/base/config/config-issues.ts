import type { z } from "zod";

/**
 * Turns zod issues into the lines a person fixes a configuration from: each
 * names where the bad value came from (the environment variable that set it,
 * or the file), the field, and for an unknown key the likely intended one.
 */

/** Where a value came from: env variable names by dotted config path. */
export type EnvOrigins = ReadonlyMap<string, string>;

export function formatConfigIssues(error: z.ZodError, schema: z.ZodType, file: string, fromEnv: EnvOrigins): string {
  const lines = error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => {
        const known = knownKeys(schema, issue.path);
        const guess = closest(key, known);
        return `(${file}) ${[...issue.path, key].join(".")}: unknown key${guess ? ` (did you mean "${guess}"?)` : known.length > 0 ? ` (known: ${known.join(", ")})` : ""}`;
      });
    }
    const field = issue.path.join(".");
    const variable = envVariableOf(issue.path, fromEnv);
    if (variable !== undefined) return [`(environment) ${variable}: ${issue.message}`];
    return [`(${file}) ${field === "" ? "(root)" : field}: ${issue.message}`];
  });
  return `Invalid configuration:\n${lines.map((l) => `  - ${l}`).join("\n")}`;
}

/** The env variable behind a path: the longest recorded path that is a prefix of it. */
function envVariableOf(path: PropertyKey[], fromEnv: EnvOrigins): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const variable = fromEnv.get(path.slice(0, n).map(String).join("."));
    if (variable !== undefined) return variable;
  }
  return undefined;
}

/** The keys an object schema accepts at a path (through defaults, optionals, arrays and records). */
function knownKeys(schema: z.ZodType, path: PropertyKey[]): string[] {
  let node: unknown = schema;
  for (const step of [...path, null]) {
    node = unwrap(node);
    const def = defOf(node);
    if (step === null) break;
    if (def?.type === "object") node = (def.shape as Record<string, unknown>)[String(step)];
    else if (def?.type === "array") node = def.element;
    else if (def?.type === "record") node = def.valueType;
    else return [];
  }
  const def = defOf(node);
  return def?.type === "object" ? Object.keys(def.shape as object) : [];
}

interface Def {
  type: string;
  [key: string]: unknown;
}

function defOf(node: unknown): Def | undefined {
  return (node as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

function unwrap(node: unknown): unknown {
  for (let i = 0; i < 10; i++) {
    const def = defOf(node);
    if (def && ["default", "prefault", "optional", "nullable", "catch", "readonly"].includes(def.type)) node = def.innerType;
    else if (def?.type === "pipe") node = def.in;
    else return node;
  }
  return node;
}

/** The known key nearest to a typo, if it is near enough to be a typo (case-insensitive edit distance ≤ 2, or a third of its length). */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
