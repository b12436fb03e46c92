import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { textHash } from "../cache/cache-key.js";
import { HnswIndex, type HnswOptions } from "../vector-index/hnsw-index.js";

interface SnapshotMeta {
  modelId: string;
  revision: number;
  /** Which texts under which ids: guards against another database with the same revision number. */
  fingerprint: string;
  dimensions: number;
  size: number;
}

/**
 * The HNSW graph on disk, tagged with the model id and exemplar revision it
 * was built from, so a warm start skips reading every vector and rebuilding
 * the graph. Derived state: any mismatch means "rebuild from the database".
 */
export class IndexSnapshots {
  constructor(private readonly dir: string) {}

  private base(modelId: string): string {
    return path.join(this.dir, `index-${createHash("sha256").update(modelId).digest("hex").slice(0, 16)}`);
  }

  /** The snapshot for this model at exactly this revision, or null. */
  tryLoad(modelId: string, revision: number, fingerprint: string, options: HnswOptions): HnswIndex | null {
    const base = this.base(modelId);
    if (!existsSync(`${base}.meta.json`)) return null;
    try {
      const meta = JSON.parse(readFileSync(`${base}.meta.json`, "utf8")) as SnapshotMeta;
      if (meta.modelId !== modelId || meta.revision !== revision || meta.fingerprint !== fingerprint) return null;
      const index = HnswIndex.load(`${base}.hnsw`, meta.dimensions, options);
      return index.size === meta.size ? index : null;
    } catch {
      return null; // torn or foreign files: rebuilding is always safe
    }
  }

  /** Writes via temporary files and renames, so a crash never leaves a half snapshot under the real name. */
  save(index: HnswIndex, modelId: string, revision: number, fingerprint: string): void {
    mkdirSync(this.dir, { recursive: true });
    const base = this.base(modelId);
    const tmp = `${base}.tmp-${process.pid}`;
    index.save(`${tmp}.hnsw`);
    renameSync(`${tmp}.hnsw`, `${base}.hnsw`);
    renameSync(`${tmp}.hnsw.ids.json`, `${base}.hnsw.ids.json`);
    const meta: SnapshotMeta = { modelId, revision, fingerprint, dimensions: index.dimensions, size: index.size };
    writeFileSync(`${tmp}.meta.json`, JSON.stringify(meta));
    renameSync(`${tmp}.meta.json`, `${base}.meta.json`);
  }
}

/** sha256 over (id, normalised-text hash) pairs in id order: the vectors depend on nothing else. */
export function exemplarFingerprint(exemplars: Iterable<{ id: number; text: string }>): string {
  const sorted = [...exemplars].sort((a, b) => a.id - b.id);
  const h = createHash("sha256");
  for (const e of sorted) h.update(`${e.id}:${textHash(e.text)}\n`);
  return h.digest("hex");
}
