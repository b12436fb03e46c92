import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/base/config/load-config.js";
import { createEncoder } from "../../src/adapters/embeddings/create-encoder.js";
import { WorkerEncoder } from "../../src/adapters/embeddings/worker-encoder.js";

// The service runs its model in a worker thread (onnxruntime blocks the thread that calls it): the same vectors
// as in the main thread, and the main thread's event loop keeps turning while a forward pass runs.
describe("WorkerEncoder (the default model in a worker thread)", () => {
  const spec = { embedding: parseConfig({}).embedding, dataDir: path.join(tmpdir(), "tierline-test-models") };
  const dev = readFileSync("test/data/dev.jsonl", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { query: string }).query);

  it("returns exactly the vectors the model returns in the main thread, with the same id and bounds", async () => {
    const local = createEncoder(spec);
    const worker = new WorkerEncoder(spec);
    const texts = [...dev.slice(0, 20), "", "   ", dev.slice(0, 40).join(" ")];
    const [inWorker, inMain] = await Promise.all([worker.embed(texts), local.embed(texts)]);
    expect(inWorker).toEqual(inMain);
    expect([worker.modelId, worker.dimensions, worker.maxInputChars]).toEqual([local.modelId, local.dimensions, local.maxInputChars]);
  });

  it("keeps the event loop turning while it embeds", async () => {
    const worker = new WorkerEncoder(spec);
    await worker.load();
    let turns = 0;
    let embedding = true;
    const spin = async () => {
      while (embedding) {
        turns++;
        await new Promise((r) => setImmediate(r));
      }
    };
    const spinning = spin();
    await worker.embed(dev.slice(0, 32).map((q) => q.repeat(20)));
    embedding = false;
    await spinning;
    // In the main thread a 32-text pass is one synchronous call: the loop would turn once or twice around it.
    expect(turns).toBeGreaterThan(20);
  });

  it("closes only once the pass in progress has answered, then refuses new work", async () => {
    const worker = new WorkerEncoder(spec);
    const pass = worker.embed(dev.slice(0, 64).map((q) => q.repeat(10)));
    await worker.close();
    expect(await pass).toHaveLength(64); // answered, not cut short (which would abort the process)
    await expect(worker.embed(["late"])).rejects.toThrow(/closed/);
  });

  it("lets the built service exit 1 when start-up fails while the model is still loading (not SIGABRT)", async () => {
    const child = spawn(process.execPath, ["dist/main.js"], {
      env: {
        PATH: process.env.PATH,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "fatal",
        TIERLINE_DATA_DIR: mkdtempSync(path.join(tmpdir(), "tierline-failed-start-")),
        TIERLINE_EXEMPLARS_DIR: "test/fixtures/bad-exemplars",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once("exit", (c, sig) => resolve([c, sig])));
    expect({ code, signal }, stderr).toEqual({ code: 1, signal: null });
    expect(stderr).toMatch(/tier "gold" is not configured/);
  });
});
