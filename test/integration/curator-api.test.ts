/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { exemplarAudit, exemplars } from "../../src/adapters/db/schema.js";
import { databaseTargets } from "../helpers/databases.js";
import { sampleExemplars, startTestService, type TestService, defaultTestEncoder } from "../helpers/runtime.js";

const TOKEN = "curator-token-0123456789";
const auth = { authorization: `Bearer ${TOKEN}` };

describe.each(databaseTargets())("curator API on $name", (target) => {
  let database: DatabaseHandle;
  let service: TestService;
  const encoder = defaultTestEncoder();

  beforeAll(async () => {
    database = await target.open();
    service = await startTestService({
      database,
      encoder,
      exemplars: sampleExemplars,
      env: { TIERLINE_ADMIN_TOKENS: `alice:${TOKEN}` },
      config: { curation: { maxImportLines: 100 } },
    });
  });
  afterAll(async () => {
    await service.deps.lifecycle.stop();
    await database.close();
  });

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = auth) => {
    const res = await service.app.request(path, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const routeOf = async (query: string) => (await (await service.route({ query, explain: true })).json()) as any;

  it("answers 401 without a valid token and leaves /route open", async () => {
    expect((await call("GET", "/exemplars", undefined, {})).body.error.code).toBe("unauthorized");
    const wrong = await service.app.request("/exemplars", { headers: { authorization: "Bearer nope-nope-nope-nope" } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toMatch(/Bearer/);
    expect((await call("POST", "/exemplars", { text: "x", tier: "fast" }, {})).status).toBe(401);
    expect((await service.route({ query: "hello" })).status).toBe(200);
  });

  it("add -> routing changes at once, with a new revision and an audit record naming the token label", async () => {
    const query = "Which river runs through the centre of Budapest?";
    const before = await routeOf(query);
    const added = await call("POST", "/exemplars", {
      exemplars: [
        { text: "Which river flows through the middle of Budapest?", tier: "standard", note: "test" },
        { text: "What river runs through central Budapest, Hungary?", tier: "standard" },
        { text: "Name the river that passes through Budapest city centre", tier: "standard" },
      ],
    });
    expect(added.status).toBe(201);
    expect(added.body.revision).toBe(before.revision + 1);
    expect(added.body.exemplars.map((e: any) => e.status)).toEqual(["created", "created", "created"]);
    const after = await routeOf(query);
    expect(after.revision).toBe(added.body.revision);
    expect(after.cached).toBe(false); // a decision from the old revision is not served
    expect(added.body.exemplars.map((e: any) => e.id)).toContain(after.neighbors[0].id);
    expect(after.tier).toBe("standard");

    const id = added.body.exemplars[0].id;
    const audit = await database.db.select().from(exemplarAudit).where(eq(exemplarAudit.exemplarId, id));
    expect(audit).toMatchObject([{ action: "create", actor: "alice", revision: added.body.revision, before: null, after: { tier: "standard", note: "test" } }]);
  });

  it("is idempotent for an exact duplicate in the same tier", async () => {
    const first = await call("POST", "/exemplars", { text: "How tall is Mount Kilimanjaro?", tier: "fast" });
    const again = await call("POST", "/exemplars", { text: "  How tall is   Mount Kilimanjaro? ", tier: "fast" });
    expect(again.status).toBe(200);
    expect(again.body.exemplars[0]).toMatchObject({ id: first.body.exemplars[0].id, status: "unchanged" });
    expect(again.body.revision).toBe(first.body.revision);
  });

  it("reports a conflict with the existing exemplar of another tier (409), and force overrides", async () => {
    const conflict = await call("POST", "/exemplars", { text: "What's the capital of Germany?", tier: "premium" });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe("exemplar_conflict");
    expect(conflict.body.error.details.conflicts[0].conflictsWith).toMatchObject({ text: "What is the capital of Germany?", tier: "fast" });
    expect(conflict.body.error.details.conflicts[0].conflictsWith.similarity).toBeGreaterThanOrEqual(0.97);
    const count = async () => (await database.db.select().from(exemplars).where(eq(exemplars.text, "What's the capital of Germany?"))).length;
    expect(await count()).toBe(0);

    const forced = await call("POST", "/exemplars?force=true", { text: "What's the capital of Germany?", tier: "premium" });
    expect(forced.status).toBe(201);
    expect(await count()).toBe(1);
  });

  it("treats the exact text under another tier as a conflict; force moves it", async () => {
    const res = await call("POST", "/exemplars", { text: "Who wrote Romeo and Juliet?", tier: "standard" });
    expect(res.status).toBe(409);
    expect(res.body.error.details.conflicts[0].conflictsWith).toMatchObject({ tier: "fast", similarity: 1 });
    const forced = await call("POST", "/exemplars?force=1", { text: "Who wrote Romeo and Juliet?", tier: "standard" });
    expect(forced.status).toBe(201);
    expect(forced.body.exemplars[0]).toMatchObject({ status: "moved", tier: "standard" });
    await call("POST", "/exemplars?force=1", { text: "Who wrote Romeo and Juliet?", tier: "fast" });
  });

  it("keeps both of two concurrent PATCHes of one exemplar, and a note-only PATCH keeps the revision", async () => {
    const created = await call("POST", "/exemplars", { text: "What is the airspeed of a swallow in still air?", tier: "fast" });
    const id = created.body.exemplars[0].id;
    const [a, b] = await Promise.all([
      call("PATCH", `/exemplars/${id}`, { text: "What is the cruising airspeed of a barn swallow?" }),
      call("PATCH", `/exemplars/${id}`, { tier: "standard" }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const now = await call("GET", `/exemplars/${id}`);
    expect(now.body).toMatchObject({ text: "What is the cruising airspeed of a barn swallow?", tier: "standard" });
    expect(service.deps.index.get()!.tierOf(id)).toBe("standard");

    const revision = service.deps.index.get()!.revision;
    const noted = await call("PATCH", `/exemplars/${id}`, { note: "checked by alice" });
    expect(noted.body).toMatchObject({ revision, exemplar: { note: "checked by alice" } });
    expect(service.deps.index.get()!.revision).toBe(revision);
  });

  it("rejects a batch whose items conflict with each other, writing nothing", async () => {
    const sizeBefore = service.deps.index.get()!.size;
    const revision = (await call("GET", "/exemplars?limit=1")).body; // any authorised read
    expect(revision.exemplars).toHaveLength(1);
    const res = await call("POST", "/exemplars", {
      exemplars: [
        { text: "Tell me the melting point of lead", tier: "fast" },
        { text: "Tell me the melting point of lead.", tier: "premium" },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.body.error.details.conflicts[0].conflictsWith.id).toBeNull();
    expect((await call("GET", "/exemplars?q=melting%20point%20of%20lead")).body.exemplars).toEqual([]);
    expect(service.deps.index.get()!.size).toBe(sizeBefore);
  });

  it("fails a batch with an unknown tier as a whole: nothing in the database or the index", async () => {
    const size = service.deps.index.get()!.size;
    const res = await call("POST", "/exemplars", {
      exemplars: [
        { text: "A perfectly fine new exemplar about tides", tier: "fast" },
        { text: "Another one", tier: "gold" },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("unknown_tier");
    expect(service.deps.index.get()!.size).toBe(size);
    expect((await call("GET", "/exemplars?q=exemplar%20about%20tides")).body.exemplars).toEqual([]);
  });

  it("patch tier -> routing changes; delete -> routing changes", async () => {
    const query = "Please write a limerick about a cat who loves lasagne";
    const created = await call("POST", "/exemplars", {
      exemplars: [
        { text: "Write a limerick about a cat that adores lasagne", tier: "fast" },
        { text: "Compose a funny limerick about a lasagne-loving cat", tier: "fast" },
      ],
    });
    const [a, b] = created.body.exemplars;
    expect((await routeOf(query)).tier).toBe("fast");

    for (const e of [a, b]) expect((await call("PATCH", `/exemplars/${e.id}`, { tier: "premium" }, auth)).status).toBe(200);
    const moved = await routeOf(query);
    expect(moved.neighbors[0]).toMatchObject({ id: a.id, tier: "premium" });
    expect(moved.tier).toBe("premium");

    for (const e of [a, b]) expect((await call("DELETE", `/exemplars/${e.id}`)).status).toBe(200);
    const gone = await routeOf(query);
    expect(gone.neighbors.map((n: any) => n.id)).not.toContain(a.id);
    expect((await call("GET", `/exemplars/${a.id}`)).status).toBe(404);
    expect((await call("DELETE", `/exemplars/${a.id}`)).body.error.code).toBe("exemplar_not_found");
    const audit = await database.db.select().from(exemplarAudit).where(eq(exemplarAudit.exemplarId, a.id));
    expect(audit.map((r) => r.action)).toEqual(["create", "update", "delete"]);
    expect(audit[1]).toMatchObject({ before: { tier: "fast" }, after: { tier: "premium" } });
  });

  it("lists with a tier filter, text search and cursor pagination that visits every row once", async () => {
    const seen = new Set<number>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: any = await call("GET", `/exemplars?tier=fast&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      for (const e of page.body.exemplars) {
        expect(e.tier).toBe("fast");
        expect(seen.has(e.id)).toBe(false);
        seen.add(e.id);
      }
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 50);
    const fastInDb = (await database.db.select().from(exemplars).where(eq(exemplars.tier, "fast"))).length;
    expect(seen.size).toBe(fastInDb);
    const search = await call("GET", "/exemplars?q=ROMEO");
    expect(search.body.exemplars.map((e: any) => e.text)).toEqual(["Who wrote Romeo and Juliet?"]);
    expect((await call("GET", "/exemplars?cursor=!!")).status).toBe(400);
  });

  it("exports JSONL and imports it back idempotently; a bad line fails the import with its line number", async () => {
    const exported = await service.app.request("/exemplars/export", { headers: auth });
    expect(exported.headers.get("content-type")).toMatch(/ndjson/);
    const lines = (await exported.text()).trim().split("\n");
    const total = (await database.db.select().from(exemplars)).length;
    expect(lines).toHaveLength(total);
    expect(JSON.parse(lines[0]!)).toEqual({ text: expect.any(String), tier: expect.any(String) });

    const reimport = await service.app.request("/exemplars/import", {
      method: "POST",
      headers: { ...auth, "content-type": "application/x-ndjson" },
      body: lines.join("\n") + "\n",
    });
    expect(await reimport.json()).toMatchObject({ lines: total, created: 0, unchanged: total });

    const bad = await service.app.request("/exemplars/import", {
      method: "POST",
      headers: { ...auth, "content-type": "application/x-ndjson" },
      body: '{"text":"Import me please, I am new","tier":"fast"}\n{"text":"broken"\n',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.message).toMatch(/line 2/);
    expect((await call("GET", "/exemplars?q=Import%20me%20please")).body.exemplars).toEqual([]);
  });

  it("caps the lines of one import request (413) and writes none of them", async () => {
    const body = Array.from({ length: 101 }, (_, i) => JSON.stringify({ text: `Bulk line ${i} about harbour tides`, tier: "fast" })).join("\n");
    const res = await service.app.request("/exemplars/import", { method: "POST", headers: { ...auth, "content-type": "application/x-ndjson" }, body });
    expect(res.status).toBe(413);
    expect((await call("GET", "/exemplars?q=harbour%20tides")).body.exemplars).toEqual([]);
  });

  it("validates input with the error envelope", async () => {
    expect((await call("POST", "/exemplars", { text: "  ", tier: "fast" })).body.error.code).toBe("invalid_request");
    expect((await call("PATCH", "/exemplars/1", {})).body.error.code).toBe("invalid_request");
    expect((await call("GET", "/exemplars/abc")).body.error.code).toBe("invalid_request");
    const tooMany = { exemplars: Array.from({ length: 1001 }, (_, i) => ({ text: `t${i}`, tier: "fast" })) };
    expect((await call("POST", "/exemplars", tooMany)).status).toBe(400);
  });
});

describe("curator API without a configured token", () => {
  it("answers 401 saying how to enable it", async () => {
    const database = await databaseTargets()[0]!.open();
    const service = await startTestService({ database, encoder: defaultTestEncoder(), exemplars: sampleExemplars.slice(0, 3) });
    const res = await service.app.request("/exemplars", { headers: { authorization: "Bearer whatever-whatever-whatever" } });
    expect(res.status).toBe(401);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe("auth_not_configured");
    expect(body.error.message).toMatch(/TIERLINE_ADMIN_TOKEN/);
    await service.deps.lifecycle.stop();
    await database.close();
  });
});
