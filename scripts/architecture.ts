/**
 * The shape of src/: rooms (folders, and files at the top), the arrows
 * between them (distinct room -> room imports), floors (longest chain of
 * arrows below a room), lines, import cycles, and imports that go against
 * the declared layer order. The architecture test asserts on it.
 *   npx tsx scripts/architecture.ts [srcDir] [--json | --source-map]
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/**
 * The areas of src/, lowest first: an area may import only from areas on an
 * earlier line (or from itself). `holds` is what a newcomer reads in the
 * source map (docs/architecture.md is generated from it); `rooms`, where given,
 * orders the folders and files inside an area the same way.
 */
export interface Area {
  name: string;
  holds: string;
  rooms?: readonly (readonly string[])[];
}

export const areas: readonly (readonly Area[])[] = [
  [
    {
      name: "base",
      holds: "the ground floor: configuration parsed once with zod, text checks, the rule language, small utilities, logging, error codes",
      rooms: [["util", "text", "error-codes.ts"], ["errors.ts"], ["policy"], ["config"], ["logger.ts"]],
    },
  ],
  [
    {
      name: "adapters",
      holds:
        "the ports and what plugs into them: the Encoder (the local embedding model, in a worker thread), the VectorIndex (HNSW), the database (PostgreSQL, or PGlite in a worker thread: schema, migrations, the guard on every wait), and the upstream models (registry, circuit breakers, fallback chains, the bounded HTTP client) that the gateway and the complexity rater share",
    },
  ],
  [
    {
      name: "routing",
      holds:
        "the decision: a pipeline of named steps (embed, cache, vote, guards, second stage, policy), the second-stage model and the calibration rule; no I/O of its own, no hono",
    },
  ],
  [
    {
      name: "stores",
      holds: "what the service keeps in the database: exemplars, the decision cache, the decision log, feedback and review, sessions, rules, statistics",
      rooms: [["idempotency-receipts.ts", "rules-store.ts", "sessions", "cache", "exemplars", "decision-log", "stats"], ["feedback"]],
    },
    {
      name: "gateway",
      holds:
        "the optional OpenAI-compatible gateway: a request served by its target (a model, a tier, or a routed profile), the exchange and its stream relay, the cascade and its verifier, the attempt log, spend and its metrics",
    },
  ],
  [{ name: "http", holds: "the edges: hono handlers and schemas, the console, the typed client's types and the tierline CLI" }],
  [{ name: "app", holds: "the composition root: builds every dependency once (deps.ts), mounts the app, orders the lifecycle" }],
  [{ name: "main.ts", holds: "the entry point: load config, build, serve, drain on SIGTERM" }],
];

/** The area names by layer, lowest first (what the layer check reads). */
export const layers: readonly (readonly string[])[] = areas.map((line) => line.map((a) => a.name));

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

  const layerViolations = [...orderViolations(arrows, layers, "area"), ...innerViolations(edges, srcDir)];

  return {
    rooms,
    lines,
    files: files.length,
    arrows,
    floors,
    fileCycles: findCycles(edges, srcDir),
    layerViolations,
    largestFiles: sizes.sort((a, b) => b.lines - a.lines).slice(0, 10),
  };
}

/**
 * The source map of docs/architecture.md: each area, lowest first, with what
 * it holds and its folders and top files (files, lines). Generated from the
 * same list the layer check reads, so it cannot fall out of date unnoticed.
 */
export function sourceMap(srcDir: string): string {
  const lines: string[] = [];
  const size = (p: string): { files: number; lines: number } => {
    const files = statSync(p).isDirectory() ? walk(p) : [p];
    return { files: files.length, lines: files.reduce((n, f) => n + readFileSync(f, "utf8").split("\n").length - 1, 0) };
  };
  areas.forEach((line, floor) => {
    for (const area of line) {
      const full = path.join(srcDir, area.name);
      const total = size(full);
      // Files, not lines: the map changes when the shape does, not with every edit.
      lines.push(`- **\`${area.name}${area.name.endsWith(".ts") ? "" : "/"}\`** (layer ${floor}, ${total.files} ${total.files === 1 ? "file" : "files"}): ${area.holds}.`);
      if (!statSync(full).isDirectory()) continue;
      const entries = readdirSync(full).sort(
        (a, b) => Number(statSync(path.join(full, b)).isDirectory()) - Number(statSync(path.join(full, a)).isDirectory()) || a.localeCompare(b),
      );
      const parts = entries
        .filter((e) => statSync(path.join(full, e)).isDirectory() || e.endsWith(".ts"))
        .map((e) => {
          const sz = size(path.join(full, e));
          return statSync(path.join(full, e)).isDirectory() ? `\`${e}/\` (${sz.files})` : `\`${e}\``;
        });
      lines.push(`  ${parts.join(", ")}`);
    }
  });
  return `${lines.join("\n")}\n`;
}

/** Arrows that go to the same or a higher line of `order` (or to a name not in it). */
function orderViolations(arrows: Array<[string, string]>, order: readonly (readonly string[])[], what: string): string[] {
  const rank = new Map<string, number>();
  order.forEach((names, i) => names.forEach((name) => rank.set(name, i)));
  return arrows
    .filter(([a, b]) => !rank.has(a) || !rank.has(b) || rank.get(b)! >= rank.get(a)!)
    .map(([a, b]) => (!rank.has(a) || !rank.has(b) ? `${a} -> ${b}: ${what} not in the layer list` : `${a} -> ${b}: imports a ${what} on the same or a higher layer`));
}

/** Inside an area that orders its rooms (its folders and top files), the same rule one level down. */
function innerViolations(edges: Map<string, Set<string>>, srcDir: string): string[] {
  const out: string[] = [];
  for (const area of areas.flat()) {
    if (!area.rooms) continue;
    const roomIn = (file: string): string | undefined => {
      const rel = path.relative(srcDir, file).split(path.sep);
      return rel[0] === area.name && rel.length > 1 ? rel[1] : undefined;
    };
    const inner = new Set<string>();
    for (const [from, tos] of edges) {
      const a = roomIn(from);
      if (a === undefined) continue;
      for (const to of tos) {
        const b = roomIn(to);
        if (b !== undefined && a !== b) inner.add(`${a}\0${b}`);
      }
    }
    const arrows = [...inner].map((x) => x.split("\0") as [string, string]);
    out.push(...orderViolations(arrows, area.rooms, "room").map((v) => `${area.name}: ${v}`));
  }
  return out;
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
  if (args.includes("--source-map")) {
    process.stdout.write(sourceMap(srcDir));
  } else if (args.includes("--json")) {
    console.log(JSON.stringify(shape, null, 1));
  } else {
    const maxFloor = Math.max(...Object.values(shape.floors));
    console.log(`${srcDir}: ${shape.rooms.length} rooms on ${maxFloor + 1} floors, ${shape.arrows.length} arrows, ${shape.files} files, ${shape.lines} lines`);
    for (let f = maxFloor; f >= 0; f--) console.log(`  floor ${f}: ${shape.rooms.filter((r) => shape.floors[r] === f).join(", ")}`);
    console.log(`import cycles between files: ${shape.fileCycles.length === 0 ? "none" : shape.fileCycles.map((c) => c.join(" <-> ")).join("; ")}`);
    console.log(`against the layer order: ${shape.layerViolations.length === 0 ? "none" : `\n  ${shape.layerViolations.join("\n  ")}`}`);
    console.log(
      `largest files: ${shape.largestFiles
        .slice(0, 5)
        .map((f) => `${f.file} ${f.lines}`)
        .join(", ")}`,
    );
  }
}
