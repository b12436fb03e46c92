import { parentPort, workerData } from "node:worker_threads";
import { inspectAnswer } from "./answer-facts.js";

/** The answer worker (answer-reader.ts): inspects large answers off the service's event loop. */
const secrets = (workerData as { secrets: string[] }).secrets;
parentPort!.on("message", (job: { id: number; body: Uint8Array }) => {
  const { body, facts } = inspectAnswer(job.body, secrets);
  const changed = body !== job.body;
  // Moved, not copied, when the bytes own their whole buffer (a pooled buffer cannot be handed over).
  const movable = changed && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
  parentPort!.postMessage({ id: job.id, facts, body: changed ? body : null }, movable ? [body.buffer as ArrayBuffer] : []);
});
