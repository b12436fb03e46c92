import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The runnable examples of the documentation and how their shown output is
 * compared with what they print. The convention (also in docs/architecture.md,
 * "Examples that are tested"):
 *
 * - A shell example a reader can run is fenced as ```sh runnable (or
 *   ```console runnable, where lines starting with "$ " are the commands and
 *   the other lines the output they print).
 * - Right after it (blank lines between are fine) an optional ```json output
 *   or ```text output block shows what it prints.
 * - JSON output: one or more JSON documents; each must match a document the
 *   command printed on stdout, in order (others may come between). A match is
 *   a subset match: every key shown is present with that value, keys not shown
 *   are ignored. Wildcards: the string "…" (or "<any>") matches any value,
 *   "<number>" any number, "<string>" any string; inside a longer string "…"
 *   stands for any run of characters ("a130bae0-…"). An array matches
 *   element by element, of the same length unless its last element is "…".
 * - Text output: every non-empty line shown appears in the output, in order,
 *   as a whole line (runs of spaces count as one; "…" stands for any run of
 *   characters). A line the command writes to stderr may appear anywhere.
 */

export interface DocExample {
  /** "README.md:42": the file and the line of the opening fence. */
  where: string;
  /** The shell script to run. */
  script: string;
  output?: { kind: "json" | "text"; text: string };
}

const WILDCARD = "…";

/** Every runnable block of the given Markdown files, in order. */
export function collectExamples(root: string, files: readonly string[]): DocExample[] {
  return files.flatMap((file) => parseExamples(readFileSync(path.join(root, file), "utf8"), file));
}

/** README.md, then docs/*.md in name order. */
export function documentationFiles(root: string): string[] {
  const docs = readdirSync(path.join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs];
}

interface Fence {
  info: string;
  line: number;
  body: string[];
  end: number;
}

/** The fenced block opening at `start` (```info), its lines without their common indent. */
function fenceAt(lines: readonly string[], start: number): Fence | undefined {
  const open = /^(\s*)```(.*)$/.exec(lines[start]!);
  if (!open) return undefined;
  const indent = open[1]!;
  for (let i = start + 1; i < lines.length; i++) {
    if (lines[i]!.trim() === "```") {
      const body = lines.slice(start + 1, i).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
      return { info: open[2]!.trim(), line: start + 1, body, end: i };
    }
  }
  throw new Error(`line ${start + 1}: a code fence that is never closed`);
}

export function parseExamples(markdown: string, file: string): DocExample[] {
  const lines = markdown.split("\n");
  const examples: DocExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = fenceAt(lines, i);
    if (!fence) continue;
    i = fence.end;
    const [lang, marker] = fence.info.split(/\s+/);
    if (marker === "output") throw new Error(`${file}:${fence.line}: an output block with no runnable block before it`);
    if (marker !== "runnable") continue;
    if (lang !== "sh" && lang !== "console") throw new Error(`${file}:${fence.line}: runnable blocks are sh or console, not ${lang}`);
    const example: DocExample = { where: `${file}:${fence.line}`, script: fence.body.join("\n") };
    if (lang === "console") {
      const { script, output } = splitConsole(fence.body);
      example.script = script;
      if (output.trim() !== "") example.output = { kind: "text", text: output };
    }
    let next = i + 1;
    while (next < lines.length && lines[next]!.trim() === "") next++;
    const following = next < lines.length ? fenceAt(lines, next) : undefined;
    if (following && following.info.split(/\s+/)[1] === "output") {
      const kind = following.info.split(/\s+/)[0];
      if (kind !== "json" && kind !== "text") throw new Error(`${file}:${following.line}: output blocks are json or text, not ${kind}`);
      if (example.output) throw new Error(`${file}:${following.line}: a console block shows its output itself`);
      example.output = { kind, text: following.body.join("\n") };
      i = following.end;
    }
    examples.push(example);
  }
  return examples;
}

/** A console block: "$ " lines (and their "\" continuations) are the script, the rest the output shown. */
function splitConsole(body: readonly string[]): { script: string; output: string } {
  const script: string[] = [];
  const output: string[] = [];
  let continued = false;
  for (const line of body) {
    if (continued || line.startsWith("$ ")) {
      script.push(continued ? line : line.slice(2));
      continued = line.endsWith("\\");
    } else output.push(line);
  }
  return { script: script.join("\n"), output: output.join("\n") };
}

/** The JSON documents in a text, one after another (whitespace or nothing between them); other text is skipped. */
export function jsonDocuments(text: string): unknown[] {
  const documents: unknown[] = [];
  let i = 0;
  while (i < text.length) {
    const start = text.slice(i).search(/[[{]/);
    if (start < 0) break;
    i += start;
    const end = documentEnd(text, i);
    if (end < 0) break;
    try {
      documents.push(JSON.parse(text.slice(i, end)));
      i = end;
    } catch {
      i += 1;
    }
  }
  return documents;
}

/** The index after the object or array starting at `start`, or -1 when it is never closed. */
function documentEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A pattern in which "…" stands for any run of characters. */
function wildcardPattern(text: string): RegExp {
  return new RegExp(`^${text.split(WILDCARD).map(escapeRegex).join("[\\s\\S]*")}$`);
}

/** Where `actual` differs from `expected` under the convention above ("" when it matches). */
export function jsonMismatch(expected: unknown, actual: unknown, at = "$"): string {
  if (expected === WILDCARD || expected === "<any>") return actual === undefined ? `${at}: missing` : "";
  if (expected === "<number>") return typeof actual === "number" ? "" : `${at}: expected a number, got ${JSON.stringify(actual)}`;
  if (expected === "<string>") return typeof actual === "string" ? "" : `${at}: expected a string, got ${JSON.stringify(actual)}`;
  if (typeof expected === "string" && expected.includes(WILDCARD)) {
    return typeof actual === "string" && wildcardPattern(expected).test(actual) ? "" : `${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${at}: expected an array, got ${JSON.stringify(actual)}`;
    const open = expected.at(-1) === WILDCARD;
    const items = open ? expected.slice(0, -1) : expected;
    if (open ? actual.length < items.length : actual.length !== items.length) return `${at}: expected ${items.length}${open ? " or more" : ""} items, got ${actual.length}`;
    for (let i = 0; i < items.length; i++) {
      const m = jsonMismatch(items[i], actual[i], `${at}[${i}]`);
      if (m) return m;
    }
    return "";
  }
  if (typeof expected === "object" && expected !== null) {
    if (typeof actual !== "object" || actual === null || Array.isArray(actual)) return `${at}: expected an object, got ${JSON.stringify(actual)}`;
    for (const [key, value] of Object.entries(expected)) {
      if (!(key in actual)) return `${at}.${key}: missing`;
      const m = jsonMismatch(value, (actual as Record<string, unknown>)[key], `${at}.${key}`);
      if (m) return m;
    }
    return "";
  }
  return Object.is(expected, actual) ? "" : `${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

/** The JSON documents shown that no printed document matches, in order (empty: all matched). */
export function unmatchedJson(shown: string, stdout: string): string[] {
  const expected = jsonDocuments(shown);
  if (expected.length === 0) throw new Error(`a json output block holds no JSON document:\n${shown}`);
  const actual = jsonDocuments(stdout);
  const problems: string[] = [];
  let from = 0;
  for (const document of expected) {
    const found = actual.findIndex((a, i) => i >= from && jsonMismatch(document, a) === "");
    if (found < 0) {
      // The nearest miss, to say what differs.
      const reasons = actual.slice(from).map((a) => jsonMismatch(document, a));
      problems.push(`${JSON.stringify(document)}\n    ${reasons.length > 0 ? reasons.sort((a, b) => b.split(".").length - a.split(".").length)[0] : "no JSON printed"}`);
    } else from = found + 1;
  }
  return problems;
}

const squash = (line: string) => line.trim().replace(/\s+/g, " ");

/** The lines shown that the output lacks (empty: all found). */
export function unmatchedLines(shown: string, stdout: string, stderr: string): string[] {
  const out = stdout.split("\n").map(squash);
  const err = stderr.split("\n").map(squash);
  const missing: string[] = [];
  let from = 0;
  for (const line of shown
    .split("\n")
    .map(squash)
    .filter((l) => l !== "")) {
    const pattern = wildcardPattern(line);
    const found = out.findIndex((l, i) => i >= from && pattern.test(l));
    if (found >= 0) from = found + 1;
    else if (!err.some((l) => pattern.test(l))) missing.push(line);
  }
  return missing;
}
