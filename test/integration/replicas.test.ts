/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openReplicaDatabases } from "../helpers/databases.js";
import { sampleExemplars, startTestService, type TestService, defaultTestEncoder } from "../helpers/runtime.js";

const TOKEN = "replica-token-0123456789";
const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
const replicas = await openReplicaDatabases();

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await check()) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`not converged within ${timeoutMs} ms`);
}

// Two replicas on one PostgreSQL. The revision poll is set to a minute, so
// convergence within the timeouts below can only come from LISTEN/NOTIFY or
// the catch-up a reconnect triggers.
describe.skipIf(replicas === null)("two replicas on one PostgreSQL", () => {
  let a: TestService;
  let b: TestService;
  const encoder = defaultTestEncoder();
  const options = { encoder, exemplars: sampleExemplars, env: { TIERLINE_ADMIN_TOKEN: TOKEN }, config: { replication: { pollIntervalMs: 60_000 } } };

  beforeAll(async () => {
    a = await startTestService({ database: replicas!.a, ...options });
    b = await startTestService({ database: replicas!.b, ...options });
  });
  afterAll(async () => {
    await a?.deps.lifecycle.stop();
    await b?.deps.lifecycle.stop();
    await replicas?.drop();
  });

  const explain = async (s: TestService, query: string) => (await (await s.route({ query, explain: true })).json()) as any;

  it("an exemplar added on A routes on B within a second; deleted on B, A sees it", async () => {
    const query = "How do I descale an espresso machine with citric acid?";
    const added: any = await (
      await a.app.request("/exemplars", {
        method: "POST",
        headers,
        body: JSON.stringify({ text: "How should I descale my espresso machine using citric acid?", tier: "standard" }),
      })
    ).json();
    const id = added.exemplars[0].id;
    await waitFor(() => b.deps.index.get()!.has(id), 1000);
    const onB = await explain(b, query);
    expect(onB.neighbors[0].id).toBe(id);
    expect(onB.revision).toBe(added.revision);

    const del = await b.app.request(`/exemplars/${id}`, { method: "DELETE", headers });
    expect(del.status).toBe(200);
    await waitFor(() => !a.deps.index.get()!.has(id), 1000);
    expect((await explain(a, query)).neighbors.map((n: any) => n.id)).not.toContain(id);
  });

  it("a tier change on B reaches A", async () => {
    const added: any = await (
      await a.app.request("/exemplars", { method: "POST", headers, body: JSON.stringify({ text: "List three uses of baking soda around the house", tier: "fast" }) })
    ).json();
    const id = added.exemplars[0].id;
    await waitFor(() => b.deps.index.get()!.has(id), 1000);
    await b.app.request(`/exemplars/${id}`, { method: "PATCH", headers, body: JSON.stringify({ tier: "standard" }) });
    await waitFor(() => a.deps.index.get()!.tierOf(id) === "standard", 1000);
  });

  it("a replica whose listening connection dropped catches up after reconnecting", async () => {
    const admin = postgres(replicas!.url, { max: 1, onnotice: () => {} });
    // Kill every LISTEN connection (both replicas'): notifications sent meanwhile are lost.
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`;
    await admin.end();
    const added: any = await (
      await a.app.request("/exemplars", { method: "POST", headers, body: JSON.stringify({ text: "What is the chemical symbol for tungsten?", tier: "fast" }) })
    ).json();
    const id = added.exemplars[0].id;
    await waitFor(() => b.deps.index.get()!.has(id), 10_000);
    expect(b.deps.index.get()!.revision).toBe(added.revision);
  });

  it("a replica started late builds from the database and follows from there", async () => {
    const c = await startTestService({ database: await (await import("../../src/adapters/db/client.js")).openDatabase({ url: replicas!.url, maxConnections: 2 }), ...options });
    try {
      expect(c.deps.index.get()!.revision).toBe(a.deps.index.get()!.revision);
      expect(c.deps.index.get()!.size).toBe(a.deps.index.get()!.size);
    } finally {
      await c.deps.lifecycle.stop();
      await c.deps.database.close();
    }
  });
});
