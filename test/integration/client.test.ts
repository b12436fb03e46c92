import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, TierlineClient, TierlineConnectionError, TierlineError, type RouteDecision } from "../../src/http/client/index.js";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { databaseTargets } from "../helpers/databases.js";
import { defaultTestEncoder, sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

const ADMIN = "client-admin-token-0123456789";
const ANALYST = "client-analyst-token-0123456789";

async function listen(server: Server | ServerType): Promise<string> {
  if (!server.listening) await new Promise((r) => server.once("listening", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Rejects with the thrown error, for asserting on its fields. */
async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error("expected a rejection");
}

// tierline/client against the service on a real port, on each database (issue 16).
describe.each(databaseTargets())("typed client on $name", (target) => {
  const encoder = defaultTestEncoder();
  let database: DatabaseHandle;
  let service: TestService;
  let server: ServerType;
  let baseUrl: string;
  let admin: TierlineClient;

  beforeAll(async () => {
    database = await target.open();
    service = await startTestService({ database, encoder, exemplars: sampleExemplars, env: { TIERLINE_ADMIN_TOKEN: ADMIN, TIERLINE_ANALYST_TOKEN: ANALYST } });
    server = serve({ fetch: service.app.fetch, port: 0, hostname: "127.0.0.1" });
    baseUrl = await listen(server);
    admin = createClient({ baseUrl, token: ADMIN });
  });
  afterAll(async () => {
    server?.close();
    await service.deps.lifecycle.stop();
    await database.close();
  });

  it("has a method for every operationId of /openapi.json", async () => {
    const doc = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    const missing = ids.filter((id) => typeof (TierlineClient.prototype as unknown as Record<string, unknown>)[id] !== "function");
    expect(missing, "add these to packages/client/src/client.ts").toEqual([]);
  });

  it("routes one query, with explain and a session, and a batch with a bad item", async () => {
    const client = createClient({ baseUrl });
    const decision: RouteDecision = await client.route({ query: "What is the capital city of Italy?" });
    expect(decision).toMatchObject({ tier: "fast", reason: "knn", profile: "default" });
    expect(decision.neighbors).toBeUndefined();
    const explained = await client.route({ query: "Prove that there are infinitely many primes of the form 4k+3" }, { explain: true, sessionId: "client-session-1" });
    expect(explained.neighbors!.length).toBeGreaterThan(0);
    expect(Object.keys(explained.votes!)).toEqual(expect.arrayContaining(["fast", "standard", "premium"]));

    const results = await client.routeBatch([{ query: "Who wrote Hamlet?" }, { query: "   " }, { messages: [{ role: "user", content: "Translate 'thank you' into French" }] }]);
    expect(results).toHaveLength(3);
    expect(results[1]).toEqual({ error: { code: "empty_query", message: expect.any(String) } });
    expect("tier" in results[0]! && "tier" in results[2]!).toBe(true);
  });

  it("reads liveness, readiness and metrics", async () => {
    const client = createClient({ baseUrl });
    expect(await client.liveness()).toEqual({ status: "ok" });
    expect(await client.readiness()).toMatchObject({ status: "ready", checks: { index: { built: true } } });
    expect(await client.metrics()).toMatch(/^# HELP tierline_/m);
  });

  it("curates exemplars: create, conflict with details, force, list, page through, update, delete, export, import, idempotent retry", async () => {
    const created = await admin.createExemplars({ text: "Which ocean lies between Africa and Australia?", tier: "fast", note: "client test" });
    expect(created.exemplars[0]).toMatchObject({ status: "created", tier: "fast", note: "client test" });
    const id = created.exemplars[0]!.id;

    const conflict = await failure(admin.createExemplars({ text: "What's the capital of Germany?", tier: "premium" }));
    expect(conflict).toBeInstanceOf(TierlineError);
    expect(conflict).toMatchObject({ status: 409, code: "exemplar_conflict", url: `${baseUrl}/exemplars`, requestId: expect.any(String) });
    expect((conflict.details as { conflicts: unknown[] }).conflicts.length).toBeGreaterThan(0);
    const forced = await admin.createExemplars([{ text: "What's the capital of Germany?", tier: "premium" }], { force: true });
    expect(forced.exemplars[0]!.status).toBe("created");

    const page = await admin.listExemplars({ q: "ocean", limit: 5 });
    expect(page.exemplars.map((e) => e.id)).toContain(id);
    const all = [];
    for await (const e of admin.allExemplars({ limit: 4 })) all.push(e);
    expect(all).toHaveLength(sampleExemplars.length + 2);

    expect((await admin.getExemplar(id)).text).toBe("Which ocean lies between Africa and Australia?");
    const key = `client-update-${target.name}`;
    const updated = await admin.updateExemplar(id, { note: "renamed" }, { idempotencyKey: key });
    const replayed = await admin.updateExemplar(id, { note: "renamed" }, { idempotencyKey: key });
    expect(replayed).toEqual(updated);
    expect(updated.exemplar.note).toBe("renamed");
    expect((await admin.deleteExemplar(id)).exemplar.id).toBe(id);
    expect(await failure(admin.getExemplar(id))).toMatchObject({ status: 404, code: "exemplar_not_found" });

    const jsonl = await admin.exportExemplars();
    expect(jsonl.trim().split("\n")).toHaveLength(sampleExemplars.length + 1);
    const imported = await admin.importExemplars('{"text":"How many legs does a spider have?","tier":"fast"}\n');
    expect(imported).toMatchObject({ lines: 1, created: 1 });
  });

  it("reads statistics with Date or date-only windows, filters by profile, and rejects an unknown one", async () => {
    const analyst = createClient({ baseUrl, token: ANALYST });
    const to = new Date(Date.now() + 60_000);
    const cache = await analyst.getCacheStats({ from: new Date(Date.now() - 3600_000), to, tier: "fast" });
    expect(cache).toMatchObject({ tier: "fast", requests: expect.any(Number) });
    const routing = await analyst.getRoutingStats({ from: "2020-01-01", to, profile: "default" });
    expect(routing.profile).toBe("default");
    expect(routing.requests).toBeGreaterThan(0);
    expect(Object.keys(routing.byProfile)).toEqual(["default"]);
    expect(await failure(analyst.getRoutingStats({ profile: "nope" }))).toMatchObject({ status: 400, code: "invalid_request", message: expect.stringContaining("profile") });
    const series = await analyst.getStatsSeries({ from: "2020-01-01", to, bucket: "day" });
    expect(series.points.length).toBeGreaterThan(0);
    // An analyst token on an admin route: 403 naming the role.
    expect(await failure(analyst.getRules())).toMatchObject({ status: 403, code: "forbidden", message: expect.stringContaining("admin") });
  });

  it("reads, tests and replaces the rules", async () => {
    expect(await admin.getRules()).toMatchObject({ rules: [], source: "config" });
    const rules = [{ name: "greetings", match: { regex: "^(hi|hello)\\b" }, action: { tier: "fast" } }];
    const tried = await admin.testRules({ rules, request: { query: "hello there" } });
    expect(tried).toMatchObject({ decidedBy: "greetings", tier: "fast" });
    const labelled = await admin.testRules({ rules, labelled: '{"query":"hello, prove the Riemann hypothesis","tier":"premium"}\n' });
    expect(labelled).toMatchObject({ lines: 1, decided: 1, tooWeak: 1 });
    expect((await admin.replaceRules(rules)).rules).toHaveLength(1);
    expect((await createClient({ baseUrl }).route({ query: "hello friend" })).reason).toBe("rule");
    await admin.replaceRules([]);
  });
});

describe("typed client failures without a service", () => {
  it("names the URL it could not reach and why", async () => {
    const closed = createServer();
    const url = await new Promise<string>((resolve) => closed.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(closed.address() as AddressInfo).port}`)));
    await new Promise((r) => closed.close(r));
    const err = await failure(createClient({ baseUrl: url }).route({ query: "hi" }));
    expect(err).toBeInstanceOf(TierlineConnectionError);
    expect(err.message).toBe(`could not reach ${url}/route: connect ECONNREFUSED ${url.slice("http://".length)}`);
  });

  it("gives up after the timeout, and reports a non-API answer (a proxy's 502, another service's page) as unexpected_response", async () => {
    const server = createServer((req, res) => {
      if (req.url === "/readyz") return; // never answers
      if (req.url === "/healthz") return void res.writeHead(200, { "content-type": "text/html" }).end("<html>another service</html>");
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html><body><h1>502 Bad Gateway</h1></body></html>");
    });
    server.listen(0, "127.0.0.1");
    const url = await listen(server);
    const client = createClient({ baseUrl: url, timeoutMs: 200 });
    expect((await failure(client.readiness())).message).toBe(`could not reach ${url}/readyz: no answer within 200 ms`);
    expect(await failure(client.route({ query: "hi" }))).toMatchObject({
      status: 502,
      code: "unexpected_response",
      message: "502 Bad Gateway: <html><body><h1>502 Bad Gateway</h1></body></html>",
    });
    expect(await failure(client.liveness())).toMatchObject({ status: 200, code: "unexpected_response", message: "expected JSON, got: <html>another service</html>" });
    server.closeAllConnections();
    server.close();
  });

  it("works over a custom fetch (a test's app.request)", async () => {
    const seen: string[] = [];
    const client = createClient({
      baseUrl: "http://tierline.internal/",
      headers: { "x-request-id": "req-1" },
      fetch: async (url, init) => {
        seen.push(`${init.method} ${url} ${JSON.stringify(init.headers)}`);
        return new Response(JSON.stringify({ status: "ok" }), { headers: { "content-type": "application/json" } });
      },
    });
    expect(await client.liveness()).toEqual({ status: "ok" });
    expect(seen).toEqual(['GET http://tierline.internal/healthz {"x-request-id":"req-1"}']);
  });
});
