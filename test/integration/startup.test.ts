/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app/app.js";
import { databaseTargets } from "../helpers/databases.js";
import { buildTestDeps, defaultTestEncoder, sampleExemplars, testConfig } from "../helpers/runtime.js";

describe.each(databaseTargets())("start-up on $name", (target) => {
  it("is live at once, not ready (503) and routing to premium until the model and index are up", async () => {
    const database = await target.open();
    const deps = await buildTestDeps({ config: testConfig(), database, encoder: defaultTestEncoder(), exemplars: sampleExemplars });
    const app = createApp(deps);
    const route = () => app.request("/route", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "What is 2+2?" }) });

    expect((await app.request("/healthz")).status).toBe(200);
    const before = await app.request("/readyz");
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({ status: "starting", checks: { index: { built: false } } });
    expect(await (await route()).json()).toMatchObject({ tier: "premium", reason: "warming_up", cached: false });

    await deps.lifecycle.start();
    expect((await app.request("/readyz")).status).toBe(200);
    const after: any = await (await route()).json();
    expect(after.reason).not.toBe("warming_up");
    await deps.lifecycle.stop();
    await database.close();
  });

  it("fails start-up with a message naming the file and line of a bad exemplar", async () => {
    const database = await target.open();
    const deps = await buildTestDeps({ config: testConfig({ exemplarsDir: "test/fixtures/bad-exemplars" }), database, encoder: defaultTestEncoder() });
    await expect(deps.lifecycle.start()).rejects.toThrow(/bad-exemplars\/a\.jsonl:2: tier "gold" is not configured/);
    await database.close();
  });
});
