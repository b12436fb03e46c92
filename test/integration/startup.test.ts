/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { parseConfig } from "../../src/config.js";
import { Runtime } from "../../src/runtime.js";
import { databaseTargets } from "../helpers/databases.js";
import { sampleExemplars, defaultTestEncoder } from "../helpers/runtime.js";

describe.each(databaseTargets())("start-up on $name", (target) => {
  it("is live at once, not ready (503) and routing to premium until the model and index are up", async () => {
    const database = await target.open();
    const config = parseConfig({ logLevel: "silent", dataDir: mkdtempSync(path.join(tmpdir(), "tierline-test-")) });
    const logger = pino({ level: "silent" });
    const runtime = await Runtime.create(config, logger, { database, encoder: defaultTestEncoder(), loadShippedExemplars: () => sampleExemplars });
    const app = createApp({ config, router: runtime.router, curator: runtime.curator, stats: runtime.stats, metricsRegistry: runtime.metrics.registry, readiness: () => runtime.readiness(), logger });
    const route = () => app.request("/route", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "What is 2+2?" }) });

    expect((await app.request("/healthz")).status).toBe(200);
    const before = await app.request("/readyz");
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({ status: "starting", checks: { index: { built: false } } });
    expect(await (await route()).json()).toMatchObject({ tier: "premium", reason: "warming_up", cached: false });

    await runtime.start();
    expect((await app.request("/readyz")).status).toBe(200);
    const after: any = await (await route()).json();
    expect(after.reason).not.toBe("warming_up");
    await runtime.stop();
    await database.close();
  });

  it("fails start-up with a message naming the file and line of a bad exemplar", async () => {
    const database = await target.open();
    const config = parseConfig({ logLevel: "silent", exemplarsDir: "test/fixtures/bad-exemplars", dataDir: mkdtempSync(path.join(tmpdir(), "tierline-test-")) });
    const runtime = await Runtime.create(config, pino({ level: "silent" }), { database, encoder: defaultTestEncoder() });
    await expect(runtime.start()).rejects.toThrow(/bad-exemplars\/a\.jsonl:2: tier "gold" is not configured/);
    await database.close();
  });
});
