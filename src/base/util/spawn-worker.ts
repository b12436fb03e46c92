import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Starts the module `name` that sits next to the module at `fromUrl` as a
 * worker thread. Built (dist/*.js) the worker is plain JS; run from the
 * sources (tests, tsx) it registers tsx first, so the same code path serves both.
 */
export function spawnWorker(fromUrl: string, name: string, options: WorkerOptions): Worker {
  const source = fileURLToPath(fromUrl);
  const ext = path.extname(source);
  const entry = path.join(path.dirname(source), `${name}${ext}`);
  if (ext !== ".ts") return new Worker(entry, options);
  return new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); });`, {
    ...options,
    eval: true,
  });
}
