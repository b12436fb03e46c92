import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyse, layers } from "../../scripts/architecture.js";

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

  it("keeps every file small", () => {
    expect(shape.largestFiles[0]!.lines).toBeLessThanOrEqual(250);
  });

  it("keeps hono out of the domain modules and offline tools out of the service", () => {
    const domain = ["routing", "embeddings", "vector-index", "exemplars", "cache", "db", "stats", "lifecycle", "text", "util", "config", "gateway"];
    for (const file of filesUnder(srcDir).filter((f) => f.endsWith(".ts"))) {
      const text = readFileSync(file, "utf8");
      const room = path.relative(srcDir, file).split(path.sep)[0]!;
      if (domain.includes(room)) expect(text, file).not.toMatch(/from "(hono|@hono\/[^"]+)(\/[^"]*)?"/);
      expect(text, file).not.toMatch(/from "(\.\.\/)+(eval|scripts|bench|test)\//);
    }
  });

  it("reads process.env in one place only (config)", () => {
    const readers = filesUnder(srcDir).filter((f) => f.endsWith(".ts") && /process\.env\b/.test(readFileSync(f, "utf8")));
    expect(readers.map((f) => path.relative(srcDir, f)).filter((f) => !f.startsWith("config/") && !f.startsWith("cli/"))).toEqual([]);
  });
});
