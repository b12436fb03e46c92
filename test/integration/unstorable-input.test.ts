/* eslint-disable @typescript-eslint/no-explicit-any -- bodies are checked field by field */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { decisionLog } from "../../src/adapters/db/decision-log-table.js";
import { databaseTargets } from "../helpers/databases.js";
import { call } from "../helpers/http.js";
import { defaultTestEncoder, sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

const ADMIN = "admin-token-0123456789ab";
const FEEDBACK = "feedback-token-0123456789";
const env = { TIERLINE_ADMIN_TOKEN: ADMIN, TIERLINE_FEEDBACK_TOKEN: FEEDBACK };
/** A UTF-16 surrogate without its pair: JSON carries it as "\ud800", PostgreSQL cannot store it. */
const LONE = "\ud800";

// Issue 20, fault 1: what PostgreSQL refuses is refused at the door (400 naming the field), on every write path,
// so nothing is acknowledged and then refused behind the request.
describe.each(databaseTargets())("text PostgreSQL cannot store, on $name", (target) => {
  const encoder = defaultTestEncoder();
  let database: DatabaseHandle;
  let service: TestService;

  beforeAll(async () => {
    database = await target.open();
    service = await startTestService({ database, encoder, exemplars: sampleExemplars, env });
  });
  afterAll(async () => {
    await service.deps.lifecycle.stop();
    await database.close();
  });

  const expect400 = (res: { status: number; body: any }, code: string, field: RegExp) => {
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(field);
    expect(res.body.error.message).toMatch(/unpaired surrogate/);
  };

  it("the issue's reproducer is a 400 naming the tag, and the decision log keeps logging and finding later decisions", async () => {
    const bad = await call(service.app, "POST", "/route", { body: `{"query":"x","tags":["\\ud800"]}`, contentType: "application/json" });
    expect400(bad, "invalid_request", /tags\.0/);
    const later = await call(service.app, "POST", "/route", { json: { query: "What is the capital city of Chile?", tags: ["after"] } });
    expect(later.status).toBe(200);
    await service.deps.decisionLog.flush();
    const rows = await database.db.select().from(decisionLog).where(eq(decisionLog.decisionId, later.body.decisionId));
    expect(rows).toHaveLength(1);
    expect(service.deps.decisionLogWriter!.pendingCount).toBe(0);
    const report = await call(service.app, "POST", `/decisions/${later.body.decisionId}/feedback`, { token: FEEDBACK, json: { verdict: "ok" } });
    expect(report.status).toBe(201);
  });

  it("refuses a lone surrogate in the routed text, a message and the gateway's tags", async () => {
    expect400(await call(service.app, "POST", "/route", { json: { query: `hello ${LONE}` } }), "invalid_request", /query/);
    expect400(await call(service.app, "POST", "/route", { json: { messages: [{ role: "user", content: `hi ${LONE}` }] } }), "invalid_request", /messages\.0\.content/);
    const batch = await call(service.app, "POST", "/route/batch", { json: { queries: [{ query: "fine" }, { query: "x", tags: [LONE] }] } });
    // A bad item fails alone (docs/api.md: a bad item never fails the batch) or the batch is refused; never logged.
    if (batch.status === 200) expect(batch.body.results[1].error.message).toMatch(/unpaired surrogate/);
    else expect400(batch, "invalid_request", /tags/);
  });

  it("refuses it on every curator and feedback write, and writes nothing", async () => {
    const before = (await call(service.app, "GET", "/exemplars?limit=1", { token: ADMIN })).body.total;
    expect400(await call(service.app, "POST", "/exemplars", { token: ADMIN, json: { text: `a question ${LONE}`, tier: "fast" } }), "invalid_request", /text/);
    expect400(await call(service.app, "POST", "/exemplars", { token: ADMIN, json: { text: "a fine question", tier: "fast", note: `\udc00 note` } }), "invalid_request", /note/);
    const line = JSON.stringify({ text: `imported ${LONE}`, tier: "fast" });
    const imported = await call(service.app, "POST", "/exemplars/import", {
      token: ADMIN,
      body: `${JSON.stringify({ text: "a good line", tier: "fast" })}\n${line}\n`,
      contentType: "application/x-ndjson",
    });
    expect(imported.status).toBe(400);
    expect(imported.body.error.message).toMatch(/line 2.*unpaired surrogate/);
    expect((await call(service.app, "GET", "/exemplars?limit=1", { token: ADMIN })).body.total).toBe(before);

    const rules = await call(service.app, "PUT", "/rules", { token: ADMIN, json: { rules: [{ name: `r${LONE}`, match: { keywords: ["hello"] }, action: { tier: "fast" } }] } });
    expect(rules.status).toBe(400);
    expect(rules.body.error.message).toMatch(/unpaired surrogate/);

    const d = (await call(service.app, "POST", "/route", { json: { query: "How many legs does a spider have?" } })).body;
    expect400(
      await call(service.app, "POST", `/decisions/${d.decisionId}/feedback`, { token: FEEDBACK, json: { verdict: "ok", note: `fine ${LONE}` } }),
      "invalid_request",
      /note/,
    );
    const jsonl = `${JSON.stringify({ decisionId: d.decisionId, verdict: "ok" })}\n${JSON.stringify({ decisionId: d.decisionId, verdict: "ok", query: `q ${LONE}` })}\n`;
    const fb = await call(service.app, "POST", "/feedback/import", { token: FEEDBACK, body: jsonl, contentType: "application/x-ndjson" });
    expect(fb.status).toBe(400);
    expect(fb.body.error).toMatchObject({ code: "invalid_jsonl", message: expect.stringMatching(/line 2: query: .*unpaired surrogate/) });
    // Nothing of the refused import was written: the first (valid) line is still free to report.
    expect((await call(service.app, "POST", `/decisions/${d.decisionId}/feedback`, { token: FEEDBACK, json: { verdict: "ok" } })).status).toBe(201);
  });

  it("a well-formed pair (an emoji) is ordinary text", async () => {
    const res = await call(service.app, "POST", "/route", { json: { query: "What does 🦀 mean in Rust?", tags: ["crab 🦀"] } });
    expect(res.status).toBe(200);
  });
});
