import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyse, layers, sourceMap } from "../../scripts/architecture.js";

const srcDir = path.resolve("src");
const shape = analyse(srcDir);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? filesUnder(path.join(dir, n)) : [path.join(dir, n)]));
}

describe("the shape of src/", () => {
  it("has no import cycle between files", () => {
    expect(shape.fileCycles).toEqual([]);
  });

  it("imports only downwards in the declared layer order, and every room is placed", () => {
    expect(shape.layerViolations).toEqual([]);
    for (const room of shape.rooms) expect(layers.flat()).toContain(room);
  });

  it("has at most eight entries at the top, no two files with one name, no folder holding a single file", () => {
    expect(readdirSync(srcDir).length).toBeLessThanOrEqual(8);
    const files = filesUnder(srcDir).filter((f) => f.endsWith(".ts"));
    const byName = new Map<string, string[]>();
    for (const f of files) byName.set(path.basename(f), [...(byName.get(path.basename(f)) ?? []), path.relative(srcDir, f)]);
    expect([...byName.values()].filter((paths) => paths.length > 1)).toEqual([]);
    const folders = new Map<string, number>();
    for (const f of files) folders.set(path.dirname(f), (folders.get(path.dirname(f)) ?? 0) + 1);
    const subfolders = (dir: string) => readdirSync(dir).filter((n) => statSync(path.join(dir, n)).isDirectory()).length;
    expect([...folders].filter(([dir, n]) => n === 1 && subfolders(dir) === 0).map(([dir]) => path.relative(srcDir, dir))).toEqual([]);
  });

  it("is mapped in docs/architecture.md as it is (the source map there is generated)", () => {
    const doc = readFileSync(path.resolve("docs/architecture.md"), "utf8");
    const section = doc.slice(doc.indexOf("\n", doc.indexOf("<!-- generated: source map")) + 1, doc.indexOf("<!-- end generated: source map -->")).trim();
    expect(section, "run: npx tsx scripts/architecture.ts --source-map, and paste it into docs/architecture.md").toBe(sourceMap(srcDir).trim());
  });

  it("keeps every file small", () => {
    expect(shape.largestFiles[0]!.lines).toBeLessThanOrEqual(250);
  });

  it("keeps hono out of the domain modules and offline tools out of the service", () => {
    // Every area but the edges (http) and the composition root that mounts them.
    const domain = ["base", "adapters", "routing", "stores", "gateway"];
    for (const file of filesUnder(srcDir).filter((f) => f.endsWith(".ts"))) {
      const text = readFileSync(file, "utf8");
      const area = path.relative(srcDir, file).split(path.sep)[0]!;
      if (domain.includes(area)) expect(text, file).not.toMatch(/from "(hono|@hono\/[^"]+)(\/[^"]*)?"/);
      expect(text, file).not.toMatch(/from "(\.\.\/)+(eval|scripts|bench|test)\//);
    }
  });

  it("reads process.env in one place only (config)", () => {
    const readers = filesUnder(srcDir).filter((f) => f.endsWith(".ts") && /process\.env\b/.test(readFileSync(f, "utf8")));
    expect(readers.map((f) => path.relative(srcDir, f)).filter((f) => !f.startsWith("base/config/") && !f.startsWith("http/cli/"))).toEqual([]);
  });
});
