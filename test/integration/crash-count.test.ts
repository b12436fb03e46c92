/* eslint-disable @typescript-eslint/no-explicit-any -- bodies are checked field by field */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { databaseTargets } from "../helpers/databases.js";
import { call, metric } from "../helpers/http.js";
import { defaultTestEncoder, sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

// Issue 20, fault 11: a process that dies with decisions unwritten (kill -9) leaves them counted at the next start.
describe.each(databaseTargets())("decisions lost to a crash, on $name", (target) => {
  const encoder = defaultTestEncoder();
  let database: DatabaseHandle;
  let crashed: TestService;
  let next: TestService;
  const dataDir = mkdtempSync(path.join(tmpdir(), "tierline-crash-"));
  // No timer flush during the test: only what the test flushes is written.
  const options = { encoder, exemplars: sampleExemplars, config: { dataDir, decisions: { flushIntervalMs: 600_000 } } };

  beforeAll(async () => {
    database = await target.open();
    crashed = await startTestService({ database, ...options });
  });
  afterAll(async () => {
    await next?.deps.lifecycle.stop();
    await crashed?.deps.lifecycle.stop();
    await database.close();
  });

  it("counts, at the next start on the same data dir, exactly the decisions the dead process neither wrote nor counted", async () => {
    const route = async (s: TestService, i: number) => ((await (await s.route({ query: `What is the capital city of country number ${i}?` })).json()) as any).decisionId as string;
    for (let i = 0; i < 5; i++) await route(crashed, i);
    await crashed.deps.decisionLog.flush(); // these five are written
    for (let i = 5; i < 12; i++) await route(crashed, i); // these seven only sit in the buffer
    expect(crashed.deps.decisionLogWriter!.pendingCount).toBe(7);

    // The process is gone without a stop (kill -9): a new one starts on the same data dir and database.
    next = await startTestService({ database, ...options });
    const text = (await call(next.app, "GET", "/metrics")).body as string;
    expect(metric(text, "tierline_decision_log_lost_at_crash_total")).toBe(7);
    expect(next.deps.decisionLog.lostAtCrash).toBe(7);
  });
});
