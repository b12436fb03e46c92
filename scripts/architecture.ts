/**
 * The shape of src/: rooms (folders, and files at the top), the arrows
 * between them (distinct room -> room imports), floors (longest chain of
 * arrows below a room), lines, import cycles, and imports that go against
 * the declared layer order. The architecture test asserts on it.
 *   npx tsx scripts/architecture.ts [srcDir] [--json]
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** Lowest first. A room may import only from rooms on an earlier line (or its own). */
export const layers: readonly (readonly string[])[] = [
  ["text", "util", "policy"],
  ["config"],
  ["vector-index", "embeddings", "db"],
  ["routing"],
  ["cache", "exemplars", "stats", "observability", "console", "idempotency", "sessions", "rules-store", "gateway", "decision-log", "calibration"],
  ["feedback"],
  ["lifecycle"],
  ["http"],
  ["client"],
  ["routers.ts"],
  ["deps.ts"],
  ["app.ts"],
  ["main.ts", "cli"],
];

export interface Shape {
  rooms: string[];
  lines: number;
  files: number;
  arrows: Array<[string, string]>;
  floors: Record<string, number>;
  fileCycles: string[][];
  layerViolations: string[];
  largestFiles: Array<{ file: string; lines: number }>;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return walk(full);
    return full.endsWith(".ts") ? [full] : [];
  });
}

/** The room of a file: its top folder under src, or the file itself at the top. */
function roomOf(srcDir: string, file: string): string {
  const rel = path.relative(srcDir, file).split(path.sep);
  return rel.length === 1 ? rel[0]! : rel[0]!;
}

const importPattern = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/g;

export function analyse(srcDir: string): Shape {
  const files = walk(srcDir);
  const edges = new Map<string, Set<string>>();
  let lines = 0;
  const sizes: Array<{ file: string; lines: number }> = [];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const n = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    lines += n;
    sizes.push({ file: path.relative(srcDir, file), lines: n });
    const targets = new Set<string>();
    for (const m of text.matchAll(importPattern)) {
      const target = path.resolve(path.dirname(file), m[1]!).replace(/\.js$/, ".ts");
      if (target.startsWith(srcDir)) targets.add(target);
    }
    edges.set(file, targets);
  }
  const arrowSet = new Set<string>();
  for (const [from, tos] of edges) {
    for (const to of tos) {
      const a = roomOf(srcDir, from);
      const b = roomOf(srcDir, to);
      if (a !== b) arrowSet.add(`${a}\0${b}`);
    }
  }
  const arrows = [...arrowSet].map((s) => s.split("\0") as [string, string]).sort();
  const rooms = [...new Set(files.map((f) => roomOf(srcDir, f)))].sort();

  // Floors: 0 for a room that imports nothing, else 1 + the highest floor it imports (cycles are cut).
  const floors: Record<string, number> = {};
  const visiting = new Set<string>();
  const floorOf = (room: string): number => {
    if (floors[room] !== undefined) return floors[room]!;
    if (visiting.has(room)) return 0;
    visiting.add(room);
    const below = arrows.filter(([a]) => a === room).map(([, b]) => floorOf(b) + 1);
    visiting.delete(room);
    return (floors[room] = Math.max(0, ...below));
  };
  for (const room of rooms) floorOf(room);

  const rank = new Map<string, number>();
  layers.forEach((names, i) => names.forEach((name) => rank.set(name, i)));
  const layerViolations = arrows
    .filter(([a, b]) => !rank.has(a) || !rank.has(b) || rank.get(b)! >= rank.get(a)!)
    .map(([a, b]) => (!rank.has(a) || !rank.has(b) ? `${a} -> ${b}: room not in the layer list` : `${a} -> ${b}: imports a room on the same or a higher layer`));

  return { rooms, lines, files: files.length, arrows, floors, fileCycles: findCycles(edges, srcDir), layerViolations, largestFiles: sizes.sort((a, b) => b.lines - a.lines).slice(0, 10) };
}

/** Strongly connected groups of more than one file (Tarjan). */
function findCycles(edges: Map<string, Set<string>>, srcDir: string): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(path.relative(srcDir, w));
      } while (w !== v);
      if (group.length > 1) out.push(group.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const srcDir = path.resolve(args.find((a) => !a.startsWith("--")) ?? "src");
  const shape = analyse(srcDir);
  if (args.includes("--json")) {
    console.log(JSON.stringify(shape, null, 1));
  } else {
    const maxFloor = Math.max(...Object.values(shape.floors));
    console.log(`${srcDir}: ${shape.rooms.length} rooms on ${maxFloor + 1} floors, ${shape.arrows.length} arrows, ${shape.files} files, ${shape.lines} lines`);
    for (let f = maxFloor; f >= 0; f--) console.log(`  floor ${f}: ${shape.rooms.filter((r) => shape.floors[r] === f).join(", ")}`);
    console.log(`import cycles between files: ${shape.fileCycles.length === 0 ? "none" : shape.fileCycles.map((c) => c.join(" <-> ")).join("; ")}`);
    console.log(`against the layer order: ${shape.layerViolations.length === 0 ? "none" : `\n  ${shape.layerViolations.join("\n  ")}`}`);
    console.log(`largest files: ${shape.largestFiles.slice(0, 5).map((f) => `${f.file} ${f.lines}`).join(", ")}`);
  }
}
