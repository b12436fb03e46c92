import path from "node:path";
import type { Worker } from "node:worker_threads";
import { spawnWorker } from "../../base/util/spawn-worker.js";
import { createEncoder, type EncoderSpec } from "./create-encoder.js";
import type { Encoder } from "./encoder.js";

export type WorkerRequest = { id: number; kind: "load" } | { id: number; kind: "embed"; texts: readonly string[] };

export type WorkerReply = { id: number; ok: true; dimensions: number; maxInputChars: number; flat?: Float32Array } | { id: number; ok: false; name: string; message: string };

interface Waiting {
  resolve: (reply: Extract<WorkerReply, { ok: true }>) => void;
  reject: (err: Error) => void;
}

/**
 * The configured model, run in a worker thread. onnxruntime-node runs a
 * forward pass synchronously on the thread that calls it, so on the main
 * thread every pass (hundreds of ms for a slice of long batch items) froze
 * the HTTP server: no request read, no health check or refusal answered, and
 * a query arriving meanwhile reached the priority lane only after the next
 * batch slice had been picked. Here the main thread stays free, and the lane
 * picks each next pass with every request that arrived meanwhile in view.
 * Same model and settings in the worker, so the same vectors. A worker that
 * dies fails what it was doing; the next call starts a new one.
 */
export class WorkerEncoder implements Encoder {
  /** The same model, never loaded here: its id and input bound are known before the worker answers. */
  private readonly local: Encoder;
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private loaded: { dimensions: number; maxInputChars: number } | undefined;
  private loading: Promise<void> | undefined;
  /** Calls the worker has not answered yet. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly spec: EncoderSpec) {
    this.spec = { ...spec, dataDir: path.resolve(spec.dataDir) };
    this.local = createEncoder(this.spec);
  }

  get modelId(): string {
    return this.local.modelId;
  }

  get dimensions(): number {
    return this.loaded?.dimensions ?? this.local.dimensions;
  }

  get maxInputChars(): number {
    return this.loaded?.maxInputChars ?? this.local.maxInputChars;
  }

  load(): Promise<void> {
    this.loading ??= this.call({ kind: "load" }).then(
      (reply) => {
        this.loaded = reply;
      },
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    return this.loading;
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return Promise.resolve([]);
    if (this.closed) return Promise.reject(new Error("the embedding worker has been closed"));
    // Loaded: post at once, within this call (the router does text-only work while the worker runs).
    const reply = this.loaded !== undefined ? this.call({ kind: "embed", texts }) : this.load().then(() => this.call({ kind: "embed", texts }));
    return this.track(
      reply
        // Copies, so a vector kept (index, cache) does not hold the whole batch's buffer.
        .then(({ flat, dimensions }) => texts.map((_, i) => flat!.slice(i * dimensions, (i + 1) * dimensions))),
    );
  }

  /**
   * Stops the worker once it has answered every call: ending it in the
   * middle of a load or a forward pass aborts the whole process (onnxruntime
   * throws from its teardown), which would turn an orderly exit into SIGABRT.
   */
  async close(): Promise<void> {
    this.closed = true;
    // Work settling may have started more (an embed's pass after its load): wait until none is left.
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  /** Counts the work in `inFlight` until it settles, so close() waits for it. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const settled = () => this.inFlight.delete(work);
    work.then(settled, settled);
    return work;
  }

  private call(request: { kind: "load" } | { kind: "embed"; texts: readonly string[] }): Promise<Extract<WorkerReply, { ok: true }>> {
    const id = this.nextId++;
    const worker = this.worker ?? this.spawn();
    return this.track(
      new Promise((resolve, reject) => {
        this.waiting.set(id, { resolve, reject });
        worker.postMessage({ id, ...request } as WorkerRequest);
      }),
    );
  }

  private spawn(): Worker {
    // The thread's JS allocates little that lives (feeds and vectors per pass), but V8 lets its young generation
    // grow to 16 MB semi-spaces under load: 4 MB takes about 15-20 MB off peak RSS at c=64 (issue 22), no slower.
    const worker = spawnWorker(import.meta.url, "encoder-worker", { workerData: this.spec, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    // The model never keeps the process alive: the service exits when its server does.
    worker.unref();
    worker.on("message", (reply: WorkerReply) => {
      const waiting = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) waiting?.resolve(reply);
      else waiting?.reject(Object.assign(new Error(reply.message), { name: reply.name }));
    });
    const fail = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.loading = undefined;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the embedding worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
