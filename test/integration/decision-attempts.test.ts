/* eslint-disable @typescript-eslint/no-explicit-any -- rows are checked field by field */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { databaseTargets } from "../helpers/databases.js";
import { FakeUpstream } from "../../scripts/fake-upstream.js";
import { ask, hardQuestion, startGatewayService, type GatewayTestService } from "../helpers/gateway.js";

// Issue 15: every upstream attempt is in the decision log: the view joins the decision with the gateway's attempts.
describe.each(databaseTargets())("gateway attempts in the decision log on $name", (target) => {
  let database: DatabaseHandle;
  let service: GatewayTestService;
  const broken = new FakeUpstream();
  const backup = new FakeUpstream();

  beforeAll(async () => {
    await Promise.all([broken.start(), backup.start()]);
    broken.script = { status: 503 };
    database = await target.open();
    service = await startGatewayService({
      database,
      config: {
        tiers: [
          { name: "fast", model: "fast-model", pricePer1MTokens: 0.2, upstreams: [{ baseUrl: backup.baseUrl, model: "fast-a" }] },
          { name: "standard", model: "standard-model", pricePer1MTokens: 1, upstreams: [{ baseUrl: backup.baseUrl, model: "standard-a" }] },
          {
            name: "premium",
            model: "premium-model",
            pricePer1MTokens: 10,
            upstreams: [
              { baseUrl: broken.baseUrl, model: "premium-a" },
              { baseUrl: backup.baseUrl, model: "premium-b" },
            ],
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await database?.close();
    await Promise.all([broken.stop(), backup.stop()]);
  });

  it("shows the decision with each attempt in order, the fallback and the spend", async () => {
    const res = await service.chat(ask(hardQuestion));
    expect(res.status).toBe(200);
    const decisionId = res.headers.get("x-tierline-decision-id")!;
    await service.deps.lifecycle.stop(); // flushes the decision log and the gateway log
    const result = (await database.db.execute(sql`select * from v_decisions_with_attempts where decision_id = ${decisionId}::uuid`)) as any;
    const row = (result.rows ?? result)[0];
    expect(row).toMatchObject({ decided_tier: "premium", served_tier: "premium", served_upstream: expect.any(String), fallback: true, attempt_count: 2 });
    const attempts = typeof row.attempts === "string" ? JSON.parse(row.attempts) : row.attempts;
    expect(attempts.map((a: any) => [a.model, a.outcome, a.served])).toEqual([
      ["premium-a", expect.any(String), false],
      ["premium-b", expect.any(String), true],
    ]);
    expect(attempts[0].status).toBe(503);
  });
});
