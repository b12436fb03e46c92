import { describe, expect, it } from "vitest";
import { jsonMismatch, parseExamples, unmatchedJson, unmatchedLines } from "../helpers/doc-examples.js";

// The convention the documentation's runnable examples are checked by (test/integration/docs-examples.test.ts).
describe("runnable documentation blocks", () => {
  const markdown = [
    "Intro.",
    "```sh runnable",
    "curl -s localhost:8787/route",
    "```",
    "",
    "```json output",
    '{"tier": "fast"}',
    "```",
    "```sh",
    "docker compose up",
    "```",
    "1. A step:",
    "",
    "   ```console runnable",
    "   $ tierline ready \\",
    "       --json",
    "   ready: …",
    "   ```",
  ].join("\n");

  it("are the sh/console runnable blocks with the output block after them; plain blocks are not run", () => {
    const examples = parseExamples(markdown, "x.md");
    expect(examples).toEqual([
      { where: "x.md:2", script: "curl -s localhost:8787/route", output: { kind: "json", text: '{"tier": "fast"}' } },
      { where: "x.md:14", script: "tierline ready \\\n    --json", output: { kind: "text", text: "ready: …" } },
    ]);
  });

  it("refuses an output block with nothing to run before it", () => {
    expect(() => parseExamples("```json output\n{}\n```\n", "y.md")).toThrow(/y\.md:1: an output block with no runnable block/);
  });
});

describe("JSON output", () => {
  it("is a subset match with wildcards", () => {
    const actual = { decisionId: "a130bae0-1", tier: "fast", confidence: 0.97, timings: { totalMs: 3.2 }, neighbors: [{ id: 1 }, { id: 2 }] };
    expect(jsonMismatch({ tier: "fast", decisionId: "a130bae0-…", confidence: "<number>", timings: "…", neighbors: [{ id: 1 }, "…"] }, actual)).toBe("");
    expect(jsonMismatch({ tier: "premium" }, actual)).toBe('$.tier: expected "premium", got "fast"');
    expect(jsonMismatch({ reason: "…" }, actual)).toBe("$.reason: missing");
    expect(jsonMismatch({ neighbors: [{ id: 1 }] }, actual)).toBe("$.neighbors: expected 1 items, got 2");
    expect(jsonMismatch({ confidence: "<string>" }, actual)).toMatch(/expected a string/);
  });

  it("finds each shown document among the printed ones, in order", () => {
    const printed = '{"a":1}{"b":2}\n{"c":3}';
    expect(unmatchedJson('{"a": 1}\n{"c": 3}', printed)).toEqual([]);
    expect(unmatchedJson('{"c": 3}\n{"a": 1}', printed)).toHaveLength(1);
  });
});

describe("text output", () => {
  it("finds every shown line, in order, with … for any characters; stderr lines anywhere", () => {
    const stdout = "premium  claude-sonnet-4\nreason knn · confidence 1.00 · 16.7 ms\n";
    expect(unmatchedLines("premium claude-sonnet-4\nreason knn · … ms", stdout, "")).toEqual([]);
    expect(unmatchedLines("reason knn · … ms\npremium claude-sonnet-4", stdout, "")).toEqual(["premium claude-sonnet-4"]);
    expect(unmatchedLines("imported 1 lines", "", "npm warn x\nimported 1 lines\n")).toEqual([]);
  });
});
