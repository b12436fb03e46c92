import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { documentationFiles } from "../helpers/doc-examples.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, "")
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function anchors(file: string): Set<string> {
  const text = readFileSync(path.join(root, file), "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

// The README and docs/ link to each other by relative paths and heading anchors; a moved section breaks them silently.
describe("links between README.md and docs/", () => {
  for (const file of documentationFiles(root)) {
    it(`${file}: every relative link names a file that exists, and a heading it has`, () => {
      const text = readFileSync(path.join(root, file), "utf8").replace(/```[\s\S]*?```/g, "");
      const broken: string[] = [];
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // http:, https:, mailto:
        const [link, anchor] = target!.split("#");
        const resolved = link ? path.relative(root, path.resolve(path.dirname(path.join(root, file)), link)) : file;
        if (!existsSync(path.join(root, resolved))) broken.push(`${target}: no file ${resolved}`);
        else if (anchor && resolved.endsWith(".md") && !anchors(resolved).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${resolved}`);
      }
      expect(broken).toEqual([]);
    });
  }
});
