import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { inspectAnswer, type InspectedAnswer } from "./answer-facts.js";

/** Bodies up to this size are inspected inline: JSON.parse of 256 KB takes about a millisecond. */
const INLINE_MAX_BYTES = 256 * 1024;

/**
 * Inspects non-streamed answers (keys scrubbed, usage and text read) without
 * blocking the event loop on large ones: those go to one worker thread,
 * started on first need and unref'd (it never holds the process open).
 * Issue 20 saw a 300 MB answer parsed on the loop block /healthz for 9.1 s;
 * with gateway.maxAnswerBytes the size is bounded, and here its parse runs
 * beside the loop. Should the worker fail, the answer is inspected inline:
 * slower, never unscrubbed.
 */
export class AnswerReader {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, { body: Uint8Array; resolve: (a: InspectedAnswer) => void }>();
  private nextId = 0;

  constructor(
    private readonly secrets: readonly string[],
    private readonly inlineMaxBytes = INLINE_MAX_BYTES,
  ) {}

  read(body: Uint8Array): Promise<InspectedAnswer> {
    if (body.byteLength <= this.inlineMaxBytes) return Promise.resolve(inspectAnswer(body, this.secrets));
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, { body, resolve });
      try {
        this.start().postMessage({ id, body });
      } catch {
        this.pending.delete(id);
        resolve(inspectAnswer(body, this.secrets));
      }
    });
  }

  /** Stops the worker (tests, shutdown); a later read starts another. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = spawnAnswerWorker(this.secrets);
    worker.unref();
    worker.on("message", (m: { id: number; facts: InspectedAnswer["facts"]; body: Uint8Array | null }) => {
      const job = this.pending.get(m.id);
      if (job === undefined) return;
      this.pending.delete(m.id);
      job.resolve({ body: m.body ?? job.body, facts: m.facts });
    });
    const fail = () => {
      if (this.worker === worker) this.worker = null;
      for (const [id, job] of this.pending) {
        this.pending.delete(id);
        job.resolve(inspectAnswer(job.body, this.secrets));
      }
    };
    worker.on("error", fail);
    worker.on("exit", fail);
    this.worker = worker;
    return worker;
  }
}

/**
 * The worker runs answer-worker: the compiled .js next to this file in dist/,
 * or the .ts source through tsx when the service runs from source (tests, npm run dev).
 */
function spawnAnswerWorker(secrets: readonly string[]): Worker {
  const here = import.meta.url;
  const options = { workerData: { secrets: [...secrets] } };
  if (!here.endsWith(".ts")) return new Worker(new URL("./answer-worker.js", here), options);
  const tsx = pathToFileURL(createRequire(here).resolve("tsx/esm/api")).href;
  const source = new URL("./answer-worker.ts", here).href;
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { (api.register ?? api.default.register)(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
