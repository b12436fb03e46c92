/* eslint-disable @typescript-eslint/no-explicit-any -- the document is checked field by field */
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app/app.js";
import { openDatabase, type DatabaseHandle } from "../../src/adapters/db/client.js";
import { buildDeps, type Deps } from "../../src/app/deps.js";
import { errorCodes, errorStatus } from "../../src/base/error-codes.js";
import { createFakeEncoder } from "../helpers/fake-encoder.js";
import { testConfig } from "../helpers/runtime.js";

const METHODS = ["get", "put", "post", "patch", "delete", "head", "options", "trace"];

// The OpenAPI document as a client generator, the /docs page and the typed client read it (issue 16).
describe("GET /openapi.json", () => {
  let database: DatabaseHandle;
  let deps: Deps;
  let app: ReturnType<typeof createApp>;
  let doc: any;

  beforeAll(async () => {
    database = await openDatabase({ dataDir: "memory" });
    deps = await buildDeps(testConfig(), { logger: pino({ level: "silent" }), database, encoder: createFakeEncoder(), loadShippedExemplars: () => [] });
    app = createApp(deps);
    doc = await (await app.request("/openapi.json")).json();
  });
  // Never started (the document needs no model, index or migrations), so there is nothing to stop but the database.
  afterAll(() => database.close());

  const operations = () =>
    Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([m]) => METHODS.includes(m))
        .map(([method, op]) => ({ method, path, op })),
    );

  it("gives every operation a unique operationId and tags declared in the document", () => {
    const declared = (doc.tags as Array<{ name: string; description: string }>).map((t) => t.name);
    expect(declared.length).toBeGreaterThan(3);
    for (const t of doc.tags) expect(t.description, t.name).toMatch(/\w/);
    const ids = operations().map(({ method, path, op }) => {
      expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.tags?.length, `${method} ${path} has no tag`).toBeGreaterThan(0);
      for (const tag of op.tags) expect(declared, `${method} ${path}`).toContain(tag);
      return op.operationId;
    });
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(["route", "routeBatch", "liveness", "readiness", "metrics", "createExemplars", "listExemplars", "getCacheStats", "getRules"]));
  });

  it("documents every API route the app serves (pages, the front door and the document itself aside)", () => {
    const documented = new Set(operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`));
    const served = new Set(
      app.routes
        .filter((r) => r.method !== "ALL" && r.path !== "/" && !/^\/(console|docs|openapi\.json)(\/|$)/.test(r.path))
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    expect([...served].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !served.has(r))).toEqual([]);
  });

  it("has servers, /metrics as text/plain, and the error envelope with details and every code", async () => {
    expect(doc.servers.length).toBeGreaterThan(0);
    for (const s of doc.servers) expect(typeof s.url).toBe("string");

    const metrics = doc.paths["/metrics"].get;
    expect(Object.keys(metrics.responses["200"].content)).toEqual(["text/plain"]);
    expect(metrics.security ?? []).toEqual([]);
    const res = await app.request("/metrics");
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toContain("tierline_decisions_total");

    const error = doc.components.schemas.Error.properties.error;
    expect(error.properties.code.enum).toEqual(errorCodes);
    expect(Object.keys(error.properties)).toEqual(expect.arrayContaining(["code", "message", "requestId", "details"]));
    expect(doc["x-error-codes"]).toEqual(Object.entries(errorStatus).map(([code, status]) => ({ code, status })));
  });
});
