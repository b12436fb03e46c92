/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { openDatabase } from "../../src/adapters/db/client.js";
import { startTestService, type TestService } from "../helpers/runtime.js";

// The service as `npm start` runs it: shipped exemplars, default model, default config.
describe("default model with the shipped exemplars", () => {
  let database: DatabaseHandle;
  let service: TestService;

  beforeAll(async () => {
    database = await openDatabase({ dataDir: "memory" });
    // The shipped routing: the second stage and the OOD guard, as tierline.config.json and the schema defaults state them.
    service = await startTestService({ database, config: { exemplarsDir: "exemplars", routing: { strategy: "second-stage", ood: { enabled: true } } } });
  }, 300_000);
  afterAll(async () => {
    await service.deps.lifecycle.stop();
    await database.close();
  });

  const routeOf = async (query: string) => (await (await service.route({ query, explain: true })).json()) as any;

  it("sends a one-line fact to the cheapest tier, where the nearest exemplars agree (the vote gate, reason knn)", async () => {
    const d = await routeOf("who played the drummer in the original cast of the musical Hair");
    expect(d).toMatchObject({ tier: "fast", reason: "knn" });
    expect(d.neighbors).toHaveLength(service.config.routing.k);
  });

  it("sends a routine coding task to the middle tier", async () => {
    expect(await routeOf("Write a bash script that backs up a directory to a tarball with today's date in the name.")).toMatchObject({ tier: "standard" });
  });

  it("leaves what no exemplar speaks for clearly to the outcome-trained model, whose doubt is its confidence", async () => {
    const d = await routeOf("Explain the difference between a list and a tuple in Python.");
    expect(d.reason).toBe("second_stage");
    // Confidence is P(needs exactly the answered tier): never a certainty for the model's own judgement.
    expect(d.confidence).toBeGreaterThan(0);
    expect(d.confidence).toBeLessThan(1);
  });

  it("sends a long multi-step analysis request to premium", async () => {
    const d = await routeOf(
      "Our company is deciding whether to migrate a monolithic order-management system to event-driven microservices. " +
        "Analyse the trade-offs step by step: data consistency across services, failure modes during the migration, " +
        "the cost of running both systems in parallel, team structure, and regulatory audit requirements. " +
        "Then propose a phased plan with risks and mitigations for each phase and a way to measure success.",
    );
    expect(d.tier).toBe("premium");
  });

  it("sends a short but hard question to premium", async () => {
    expect((await routeOf("Show that every finite integral domain is a field.")).tier).toBe("premium");
  });

  it("routes through the index built from the shipped files", async () => {
    const ready = (await (await service.app.request("/readyz")).json()) as any;
    expect(ready.checks.index.exemplars).toBeGreaterThanOrEqual(450);
    for (const tier of ["fast", "standard", "premium"]) expect(ready.checks.index.byTier[tier]).toBeGreaterThanOrEqual(150);
  });
});
