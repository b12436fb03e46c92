import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { textHash } from "../../base/text/normalize.js";
import type { PersistentVectorIndex } from "./vector-index.js";

/** Reads a graph written by PersistentVectorIndex.save; the caller checks it matches. */
export type LoadVectorIndex = (file: string, dimensions: number, liveIds: readonly number[]) => PersistentVectorIndex;

interface SnapshotMeta {
  modelId: string;
  revision: number;
  /** Which texts under which ids: guards against another database with the same revision number. */
  fingerprint: string;
  dimensions: number;
  size: number;
  /** Live ids, kept in the meta file (renamed last) so graph and ids can never be from different saves. */
  ids: number[];
  /** Name of the graph file this meta belongs to. */
  graph: string;
}

/**
 * The HNSW graph on disk, tagged with the model id and exemplar revision it
 * was built from, so a warm start skips reading every vector and rebuilding
 * the graph. Derived state: any mismatch means "rebuild from the database".
 */
export class IndexSnapshots {
  constructor(
    private readonly dir: string,
    private readonly load: LoadVectorIndex,
  ) {}

  private base(modelId: string): string {
    return path.join(this.dir, `index-${createHash("sha256").update(modelId).digest("hex").slice(0, 16)}`);
  }

  /** The snapshot for this model at exactly this revision, or null. */
  tryLoad(modelId: string, revision: number, fingerprint: string): PersistentVectorIndex | null {
    const base = this.base(modelId);
    if (!existsSync(`${base}.meta.json`)) return null;
    try {
      const meta = JSON.parse(readFileSync(`${base}.meta.json`, "utf8")) as SnapshotMeta;
      if (meta.modelId !== modelId || meta.revision !== revision || meta.fingerprint !== fingerprint) return null;
      const index = this.load(path.join(this.dir, meta.graph), meta.dimensions, meta.ids);
      return index.size === meta.size ? index : null;
    } catch {
      return null; // torn or foreign files: rebuilding is always safe
    }
  }

  /**
   * Writes the graph under a name of its own, then the meta file (temp name,
   * rename): the rename is the commit, so a crash leaves the old snapshot or
   * the new one, never a mix. Graphs from earlier saves are removed after.
   */
  save(index: PersistentVectorIndex, modelId: string, revision: number, fingerprint: string): void {
    mkdirSync(this.dir, { recursive: true });
    const base = this.base(modelId);
    const graph = `${path.basename(base)}-r${revision}-${process.pid}-${Date.now()}.hnsw`;
    index.save(path.join(this.dir, graph));
    const meta: SnapshotMeta = { modelId, revision, fingerprint, dimensions: index.dimensions, size: index.size, ids: index.liveIds(), graph };
    const tmp = `${base}.meta.json.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(meta));
    renameSync(tmp, `${base}.meta.json`);
    for (const f of readdirSync(this.dir)) {
      if (f.startsWith(`${path.basename(base)}-r`) && f.endsWith(".hnsw") && f !== graph) rmSync(path.join(this.dir, f), { force: true });
    }
  }
}

/** sha256 over (id, normalised-text hash) pairs in id order: the vectors depend on nothing else. */
export function exemplarFingerprint(exemplars: Iterable<{ id: number; text: string }>): string {
  const sorted = [...exemplars].sort((a, b) => a.id - b.id);
  const h = createHash("sha256");
  for (const e of sorted) h.update(`${e.id}:${textHash(e.text)}\n`);
  return h.digest("hex");
}
