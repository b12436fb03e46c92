/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openReplicaDatabases } from "../helpers/databases.js";
import { defaultTestEncoder, sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

const ADMIN = "replica-policy-admin-01";
const HARD = "Prove that there are infinitely many primes of the form 4k+3 and generalise the argument to other progressions";
const EASY = "What is the capital of Germany?";
const replicas = await openReplicaDatabases();

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`not converged within ${timeoutMs} ms`);
}

// The poll is a minute: convergence below can only come from LISTEN/NOTIFY and the session rows.
describe.skipIf(replicas === null)("routing policy across two replicas on one PostgreSQL", () => {
  let a: TestService;
  let b: TestService;
  const options = {
    encoder: defaultTestEncoder(),
    exemplars: sampleExemplars,
    env: { TIERLINE_ADMIN_TOKEN: ADMIN },
    config: { replication: { pollIntervalMs: 60_000 }, session: { policy: "no-downgrade", ttlSeconds: 600 } },
  };

  beforeAll(async () => {
    a = await startTestService({ database: replicas!.a, ...options });
    b = await startTestService({ database: replicas!.b, ...options });
  });
  afterAll(async () => {
    await a?.deps.lifecycle.stop();
    await b?.deps.lifecycle.stop();
    await replicas?.drop();
  });

  const tierOn = async (s: TestService, body: unknown) => ((await (await s.route(body)).json()) as any).tier as string;

  it("a session that reached premium on A stays premium on B", async () => {
    expect(await tierOn(a, { query: HARD, sessionId: "conv-42" })).toBe("premium");
    await a.deps.sessions.settled();
    const onB: any = await (await b.route({ query: EASY, sessionId: "conv-42" })).json();
    expect(onB).toMatchObject({ tier: "premium", constrainedBy: "session" });
    expect(await tierOn(b, { query: EASY, sessionId: "conv-43" })).toBe("fast");
  });

  it("rules replaced on A take effect on B", async () => {
    const rules = [{ name: "capitals", match: { regex: "capital of" }, action: { tier: "standard" } }];
    const put = await a.app.request("/rules", {
      method: "PUT",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ rules }),
    });
    expect(put.status).toBe(200);
    await waitFor(async () => ((await (await b.route({ query: EASY })).json()) as any).rule === "capitals", 3000);
    expect(b.deps.rules.list()).toMatchObject({ revision: 1, source: "database" });
  });
});
