import { parentPort, workerData } from "node:worker_threads";
import { collectGarbage } from "../../base/util/collect-garbage.js";
import { createEncoder, type EncoderSpec } from "./create-encoder.js";
import type { WorkerReply, WorkerRequest } from "./worker-encoder.js";

/**
 * The worker thread's side of WorkerEncoder: the configured model, loaded
 * here, answering load and embed requests by id. Vectors go back as one
 * flat buffer, transferred rather than copied.
 */
const encoder = createEncoder(workerData as EncoderSpec);
const port = parentPort!;

port.on("message", (request: WorkerRequest) => void answer(request));

async function answer(request: WorkerRequest): Promise<void> {
  try {
    if (request.kind === "load") {
      await encoder.load();
      reply({ id: request.id, ok: true, dimensions: encoder.dimensions, maxInputChars: encoder.maxInputChars });
      // What loading left (a first start converts the model here: about 50 MB), after the answer so start-up does not wait.
      collectGarbage();
      return;
    }
    const vectors = await encoder.embed(request.texts);
    const flat = new Float32Array(vectors.length * encoder.dimensions);
    vectors.forEach((v, i) => flat.set(v, i * encoder.dimensions));
    reply({ id: request.id, ok: true, dimensions: encoder.dimensions, maxInputChars: encoder.maxInputChars, flat }, [flat.buffer]);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply({ id: request.id, ok: false, name: e.name, message: e.message });
  }
}

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}
