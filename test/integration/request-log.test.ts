import { Writable } from "node:stream";
import { Hono } from "hono";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app/app.js";
import { openDatabase, type DatabaseHandle } from "../../src/adapters/db/client.js";
import { buildDeps, type Deps } from "../../src/app/deps.js";
import { requestLog } from "../../src/http/request-log.js";
import { createFakeEncoder } from "../helpers/fake-encoder.js";
import { sampleExemplars, testConfig } from "../helpers/runtime.js";

interface Line {
  level: number;
  path: string;
  status: number;
}

/** A pino logger whose JSON lines are kept for the test to read. */
function capturingLogger() {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of chunk.toString().split("\n")) if (l.trim() !== "") lines.push(JSON.parse(l) as Line);
      done();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines, requestLines: (path: string) => lines.filter((l) => l.path === path) };
}

const INFO = 30;
const WARN = 40;
const ERROR = 50;

// A readiness probe answering 503 while the service warms up or drains is the probe doing its job: an orchestrator
// polls it every few seconds, so logging each at error level buries real faults (issue 16).
describe("request log levels", () => {
  let database: DatabaseHandle;
  let deps: Deps;
  const log = capturingLogger();

  beforeAll(async () => {
    database = await openDatabase({ dataDir: "memory" });
    deps = await buildDeps(testConfig(), { logger: log.logger, database, encoder: createFakeEncoder(), loadShippedExemplars: () => sampleExemplars });
  });
  afterAll(async () => {
    await deps.lifecycle.stop();
    await database.close();
  });

  it("logs the warm-up and draining /readyz 503s at info, not error", async () => {
    const app = createApp(deps);
    for (let i = 0; i < 3; i++) expect((await app.request("/readyz")).status).toBe(503); // starting: nothing loaded yet
    await deps.lifecycle.start();
    expect((await app.request("/readyz")).status).toBe(200);
    deps.lifecycle.draining = true;
    expect((await app.request("/readyz")).status).toBe(503);
    deps.lifecycle.draining = false;

    const probes = log.requestLines("/readyz");
    expect(probes.map((l) => [l.status, l.level])).toEqual([
      [503, INFO],
      [503, INFO],
      [503, INFO],
      [200, INFO],
      [503, INFO],
    ]);
    expect(log.lines.filter((l) => l.level >= ERROR)).toEqual([]);
  });

  it("logs other 503s (database away) at warn and faults at error", async () => {
    const { logger, lines } = capturingLogger();
    const app = new Hono();
    app.use(requestLog(logger, false));
    app.get("/readyz", (c) => c.json({ status: "starting" }, 503));
    app.get("/exemplars", (c) => c.json({ error: { code: "database_unavailable" } }, 503));
    app.get("/boom", (c) => c.json({ error: { code: "internal_error" } }, 500));
    for (const path of ["/readyz", "/exemplars", "/boom"]) await app.request(path);
    expect(lines.map((l) => [l.path, l.level])).toEqual([
      ["/readyz", INFO],
      ["/exemplars", WARN],
      ["/boom", ERROR],
    ]);
  });
});
