/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { databaseTargets } from "../helpers/databases.js";
import { sampleExemplars, startTestService, type TestService, defaultTestEncoder } from "../helpers/runtime.js";

// The HTTP contract, through app.request(), with the real default model on each database.
describe.each(databaseTargets())("HTTP API on $name", (target) => {
  let database: DatabaseHandle;
  let service: TestService;

  beforeAll(async () => {
    database = await target.open();
    service = await startTestService({ database, encoder: defaultTestEncoder(), exemplars: sampleExemplars });
  });
  afterAll(async () => {
    await service.deps.lifecycle.stop();
    await database.close();
  });

  const expectEnvelope = async (res: Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body)).toEqual(["error"]);
    expect(body.error).toMatchObject({ code, message: expect.any(String), requestId: expect.any(String) });
    expect((body.error.message as string).length).toBeGreaterThan(5);
    return body.error;
  };

  it("POST /route returns the full decision", async () => {
    const res = await service.route({ query: "What is the capital city of Italy?" });
    expect(res.status).toBe(200);
    const d: any = await res.json();
    expect(d).toMatchObject({
      tier: "fast",
      model: service.config.tiers[0]!.model,
      reason: "knn",
      cached: false,
      revision: 1,
      truncated: false,
      decisionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(d.confidence).toBeGreaterThan(0.34);
    expect(d.confidence).toBeLessThanOrEqual(1);
    expect(d.margin).toBeGreaterThanOrEqual(service.config.routing.margin);
    expect(d.timings.embedMs).toBeGreaterThan(0);
    expect(d.timings.totalMs).toBeGreaterThanOrEqual(d.timings.embedMs);
    expect(d.neighbors).toBeUndefined();
  });

  it("explains with the top-k neighbors when asked in the body or the query string", async () => {
    for (const [body, qs] of [
      [{ query: "Who painted the Mona Lisa?", explain: true }, ""],
      [{ query: "Who painted the Mona Lisa?" }, "?explain=1"],
    ] as const) {
      const d: any = await (await service.route(body, qs)).json();
      expect(d.neighbors).toHaveLength(service.config.routing.k);
      const n0 = d.neighbors[0];
      expect(n0).toMatchObject({ id: expect.any(Number), tier: expect.any(String), text: expect.any(String) });
      expect(sampleExemplars.map((e) => e.text)).toContain(n0.text);
      const sims = d.neighbors.map((n: { similarity: number }) => n.similarity);
      expect([...sims].sort((a, b) => b - a)).toEqual(sims);
      expect(Object.values(d.votes as Record<string, number>).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
  });

  it("routes OpenAI-style messages on the last user message", async () => {
    const viaMessages: any = await (
      await service.route({
        messages: [
          { role: "system", content: "You are helpful." },
          { role: "user", content: "Prove there are infinitely many primes of the form 4k+3, rigorously." },
          { role: "assistant", content: "Sure." },
          { role: "user", content: [{ type: "text", text: "What is the capital city of Spain?" }] },
        ],
      })
    ).json();
    const direct: any = await (await service.route({ query: "What is the capital city of Spain?" })).json();
    expect(viaMessages.tier).toBe(direct.tier);
    expect(viaMessages.confidence).toBeCloseTo(direct.confidence, 6);
  });

  it("answers the same query from the cache the second time", async () => {
    const q = { query: "Convert 12 kilometres to miles, please" };
    const first: any = await (await service.route(q)).json();
    const second: any = await (await service.route(q)).json();
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.tier).toBe(first.tier);
    expect(second.timings.searchMs).toBe(0);
  });

  it("truncates a very long query and still routes it", async () => {
    const res = await service.route({ query: "Please explain ".repeat(20_000) });
    expect(res.status).toBe(200);
    const d: any = await res.json();
    expect(d.truncated).toBe(true);
    expect(service.config.tiers.map((t) => t.name)).toContain(d.tier);
  });

  it("uses one error envelope for every client error", async () => {
    await expectEnvelope(await service.route("{not json"), 400, "invalid_json");
    await expectEnvelope(await service.route({ query: "   \n\t" }), 400, "empty_query");
    await expectEnvelope(await service.route({ query: 42 }), 400, "invalid_request");
    await expectEnvelope(await service.route({}), 400, "invalid_request");
    await expectEnvelope(await service.route({ messages: [{ role: "system", content: "x" }] }), 400, "no_user_message");
    // The parameter is checked in the handler, not by a validator layer: the same 400, naming the parameter.
    expect((await expectEnvelope(await service.route({ query: "x" }, "?explain=maybe"), 400, "invalid_request")).message).toMatch(/^explain: .* \(query\)$/);
    await expectEnvelope(await service.app.request("/route", { method: "POST", body: "query=x" }), 415, "unsupported_media_type");
    await expectEnvelope(await service.app.request("/nowhere"), 404, "not_found");
    await expectEnvelope(await service.app.request("/route"), 404, "not_found");
    const huge = JSON.stringify({ query: "x".repeat(service.config.maxBodyBytes + 10) });
    await expectEnvelope(await service.route(huge), 413, "payload_too_large");
  });

  it("honours an incoming X-Request-Id", async () => {
    const res = await service.app.request("/nowhere", { headers: { "x-request-id": "trace-abc-123" } });
    expect(res.headers.get("x-request-id")).toBe("trace-abc-123");
    expect(((await res.json()) as { error: { requestId: string } }).error.requestId).toBe("trace-abc-123");
  });

  it("GET /healthz and /readyz report a ready service", async () => {
    expect(await (await service.app.request("/healthz")).json()).toEqual({ status: "ok" });
    const res = await service.app.request("/readyz");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "ready",
      checks: { model: true, index: { built: true, exemplars: sampleExemplars.length, revision: 1 }, database: { kind: target.name, reachable: true } },
    });
  });

  it("GET /openapi.json documents the route with the validating schemas", async () => {
    const doc: any = await (await service.app.request("/openapi.json")).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths["/route"].post.requestBody.content["application/json"].schema.$ref).toBe("#/components/schemas/RouteRequest");
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["RouteRequest", "RouteDecision", "Error", "Readiness"]));
    expect(doc.paths["/readyz"].get.responses["503"]).toBeDefined();
  });
});
