import hnswlib from "hnswlib-node";
import type { LoadVectorIndex } from "./index-snapshot.js";
import type { PersistentVectorIndex, VectorHit, VectorIndexFactory } from "./vector-index.js";

export interface HnswOptions {
  M: number;
  efConstruction: number;
  /** Search breadth; higher trades speed for recall. */
  ef: number;
  /** Initial capacity; the index doubles when full. */
  initialCapacity?: number;
  randomSeed?: number;
}

/**
 * hnswlib-node in cosine space. hnswlib reports cosine *distance* (1 - cos);
 * this adapter converts to similarity so callers never mix the two up.
 */
export class HnswIndex implements PersistentVectorIndex {
  private readonly index: hnswlib.HierarchicalNSW;
  private readonly live = new Set<number>();
  private capacity: number;

  constructor(
    readonly dimensions: number,
    private readonly options: HnswOptions,
    /** Internal: adopt an index read from a snapshot instead of creating one. */
    loaded?: { index: hnswlib.HierarchicalNSW; live: readonly number[] },
  ) {
    this.capacity = Math.max(16, options.initialCapacity ?? 1024);
    this.index = loaded?.index ?? new hnswlib.HierarchicalNSW("cosine", dimensions);
    if (loaded) {
      this.capacity = loaded.index.getMaxElements();
      for (const id of loaded.live) this.live.add(id);
      this.index.setEf(options.ef);
      return;
    }
    this.index.initIndex({
      maxElements: this.capacity,
      m: options.M,
      efConstruction: options.efConstruction,
      randomSeed: options.randomSeed ?? 100,
      // Lets a deleted slot be reused so curators' churn does not grow memory forever.
      allowReplaceDeleted: true,
    });
    this.index.setEf(options.ef);
  }

  get size(): number {
    return this.live.size;
  }

  has(id: number): boolean {
    return this.live.has(id);
  }

  /** Search breadth from now on (never below k at query time). */
  setEf(ef: number): void {
    this.options.ef = ef;
    this.index.setEf(ef);
  }

  upsert(id: number, vector: Float32Array): void {
    this.checkDimensions(vector);
    const point = Array.from(vector);
    if (this.live.has(id)) {
      // Same label: hnswlib updates the stored point and its links in place.
      this.index.addPoint(point, id);
      return;
    }
    const deletedSlots = this.index.getCurrentCount() - this.live.size;
    if (deletedSlots > 0) {
      this.index.addPoint(point, id, true);
    } else {
      if (this.index.getCurrentCount() >= this.capacity) {
        this.capacity *= 2;
        this.index.resizeIndex(this.capacity);
      }
      this.index.addPoint(point, id);
    }
    this.live.add(id);
  }

  remove(id: number): boolean {
    if (!this.live.has(id)) return false;
    this.index.markDelete(id);
    this.live.delete(id);
    return true;
  }

  search(vector: Float32Array, k: number): VectorHit[] {
    this.checkDimensions(vector);
    const n = Math.min(k, this.live.size);
    if (n <= 0) return [];
    // ef below k would silently return fewer than k neighbors.
    if (this.options.ef < n) this.index.setEf(n);
    const { distances, neighbors } = this.index.searchKnn(Array.from(vector), n);
    return neighbors.map((id, i) => ({ id, similarity: 1 - distances[i]! }));
  }

  /** The ids not deleted: store them with a snapshot (the graph file keeps deleted slots too). */
  liveIds(): number[] {
    return [...this.live];
  }

  /** Writes the graph; pair it with liveIds() to load it back. */
  save(file: string): void {
    this.index.writeIndexSync(file);
  }

  /** Reads a graph written by save(); the caller checks it matches (model, revision, ids). */
  static load(file: string, dimensions: number, options: HnswOptions, liveIds: readonly number[]): HnswIndex {
    const index = new hnswlib.HierarchicalNSW("cosine", dimensions);
    index.readIndexSync(file, true);
    return new HnswIndex(dimensions, options, { index, live: liveIds });
  }

  private checkDimensions(vector: Float32Array): void {
    if (vector.length !== this.dimensions) {
      throw new RangeError(`vector has ${vector.length} dimensions, index expects ${this.dimensions}`);
    }
  }
}

/** The graph settings of the service's index (config.index). */
export type HnswSettings = Pick<HnswOptions, "M" | "efConstruction" | "ef">;

/** HNSW indexes, new or read from a snapshot, with one set of graph settings: the only place the service makes them. */
export function hnswIndexes(settings: HnswSettings): { create: VectorIndexFactory; load: LoadVectorIndex; scratch: VectorIndexFactory } {
  const { M, efConstruction, ef } = settings;
  return {
    create: (dimensions, capacity) => new HnswIndex(dimensions, { M, efConstruction, ef, initialCapacity: capacity }),
    load: (file, dimensions, ids) => HnswIndex.load(file, dimensions, { M, efConstruction, ef }, ids),
    // Conflicts within one curator batch: a small graph is plenty (recall at 8 neighbors).
    scratch: (dimensions, capacity) => new HnswIndex(dimensions, { M: 16, efConstruction: 64, ef: 64, initialCapacity: capacity }),
  };
}
