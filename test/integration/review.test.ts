/* eslint-disable @typescript-eslint/no-explicit-any -- bodies are checked field by field */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { databaseTargets } from "../helpers/databases.js";
import { call } from "../helpers/http.js";
import { defaultTestEncoder, sampleExemplars, startTestService, type TestService } from "../helpers/runtime.js";

const ADMIN = "admin-token-0123456789ab";
const FEEDBACK = "feedback-token-0123456789";
const env = { TIERLINE_ADMIN_TOKENS: `alice:${ADMIN}`, TIERLINE_FEEDBACK_TOKEN: FEEDBACK };

// The curators' review queue: list, promote (routing changes at once), dismiss (it does not).
describe.each(databaseTargets())("review queue on $name", (target) => {
  const encoder = defaultTestEncoder();
  let database: DatabaseHandle;
  let service: TestService;

  beforeAll(async () => {
    database = await target.open();
    service = await startTestService({ database, encoder, exemplars: sampleExemplars, env, config: { decisions: { storeText: true } } });
  });
  afterAll(async () => {
    await service.deps.lifecycle.stop();
    await database.close();
  });

  const route = async (query: string) => (await call(service.app, "POST", "/route", { json: { query } })).body;
  const report = (id: string, json: unknown) => call(service.app, "POST", `/decisions/${id}/feedback`, { token: FEEDBACK, json });
  const admin = (method: string, path: string, json?: unknown) => call(service.app, method, path, { token: ADMIN, json: json ?? (method === "POST" ? {} : undefined) });

  it("lists the queries whose feedback disagrees with routing, grouped by their nearest exemplar, with their text", async () => {
    const capital = await route("What is the capital city of Mongolia?");
    const capital2 = await route("What is the capital city of Laos?");
    const sql = await route("Write a SQL query that lists duplicate email addresses");
    for (const d of [capital, capital2]) expect((await report(d.decisionId, { verdict: "too_weak", correctTier: "standard" })).status).toBe(201);
    expect((await report(sql.decisionId, { verdict: "overkill", correctTier: "fast" })).status).toBe(201);
    expect((await report((await route("What is 12 times 12?")).decisionId, { verdict: "ok" })).status).toBe(201);

    const list = await admin("GET", "/review");
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(3);
    const groups = list.body.groups as any[];
    // The two capitals share their nearest exemplar and come first (the bigger group).
    expect(groups[0].items.map((i: any) => i.text)).toEqual(["What is the capital city of Mongolia?", "What is the capital city of Laos?"]);
    expect(groups[0].exemplar).toMatchObject({ tier: "fast", text: expect.stringMatching(/capital/) });
    for (const i of groups[0].items)
      expect(i).toMatchObject({ verdict: "too_weak", suggestedTier: "standard", status: "open", tier: "fast", nearest: { id: groups[0].exemplar.id } });
    const sqlItem = groups.flatMap((g) => g.items).find((i: any) => i.decisionId === sql.decisionId);
    expect(sqlItem).toMatchObject({ verdict: "overkill", suggestedTier: "fast" });
    const page = await admin("GET", "/review?limit=1");
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const next = await admin("GET", `/review?limit=5&cursor=${page.body.nextCursor}`);
    expect(next.body.groups.flatMap((g: any) => g.items)).toHaveLength(2);
  });

  it("promote adds the query as an exemplar and the same query routes differently at once; audited", async () => {
    const query = "Write a haiku about autumn";
    const before = await route(query);
    expect(before.tier).toBe("fast");
    const fb = await report(before.decisionId, { verdict: "too_weak" });
    const id = fb.body.reviewId;
    const promoted = await admin("POST", `/review/${id}/promote`);
    expect(promoted.status).toBe(201);
    expect(promoted.body).toMatchObject({
      item: { id, status: "promoted", resolvedBy: "alice" },
      exemplar: { text: query, tier: "standard", status: "created" },
      revision: before.revision + 1,
    });
    expect(promoted.body.item.exemplarId).toBe(promoted.body.exemplar.id);

    const after = await route(query);
    expect(after).toMatchObject({ tier: "standard", revision: before.revision + 1, cached: false });
    const detail = await admin("GET", `/review/${id}`);
    expect(detail.body.audit.map((a: any) => [a.action, a.actor])).toEqual([
      ["opened", "feedback"],
      ["promoted", "alice"],
    ]);
    expect(detail.body.audit[1].detail).toMatchObject({ exemplarId: promoted.body.exemplar.id, tier: "standard" });
    const exemplar = await admin("GET", `/exemplars/${promoted.body.exemplar.id}`);
    expect(exemplar.body.note).toMatch(new RegExp(`review #${id}`));
    // Closed: neither promoted again nor dismissed.
    expect((await admin("POST", `/review/${id}/promote`)).body.error.code).toBe("review_item_closed");
    expect((await admin("POST", `/review/${id}/dismiss`)).status).toBe(409);
    expect((await admin("GET", "/review?status=promoted")).body.total).toBe(1);
  });

  it("dismiss closes the item and routing stays as it was", async () => {
    const query = "What is the capital city of Mongolia?";
    const before = await route(query);
    const item = (await admin("GET", "/review")).body.groups.flatMap((g: any) => g.items).find((i: any) => i.text === query);
    const dismissed = await admin("POST", `/review/${item.id}/dismiss`, { note: "capitals are fine on fast" });
    expect(dismissed.status).toBe(200);
    expect(dismissed.body.item).toMatchObject({ status: "dismissed", resolvedBy: "alice", exemplarId: null });
    const after = await route(query);
    expect(after).toMatchObject({ tier: before.tier, revision: before.revision, cached: true });
    expect((await admin("GET", `/review/${item.id}`)).body.audit.at(-1)).toMatchObject({ action: "dismissed", actor: "alice", detail: { note: "capitals are fine on fast" } });
    // A new disagreeing report on a dismissed decision counts, but does not reopen it.
    expect((await report(item.decisionId, { verdict: "too_weak", source: "second" })).body.reviewId).toBe(item.id);
    expect((await admin("GET", `/review/${item.id}`)).body.item).toMatchObject({ status: "dismissed", feedbackCount: 2 });
  });

  it("promote follows the exemplar conflict rules (409, then force), and needs text", async () => {
    const d = await route("What is the capital of Germany?"); // an exemplar's exact text, tier fast
    const id = (await report(d.decisionId, { verdict: "too_weak" })).body.reviewId;
    const conflict = await admin("POST", `/review/${id}/promote`);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe("exemplar_conflict");
    expect((await admin("GET", `/review/${id}`)).body.item.status).toBe("open");
    const forced = await call(service.app, "POST", `/review/${id}/promote?force=true`, { token: ADMIN, json: { tier: "premium" } });
    expect(forced.status).toBe(201);
    expect(forced.body.exemplar).toMatchObject({ tier: "premium", status: "moved" });

    expect((await admin("POST", "/review/999999/promote")).body.error.code).toBe("review_item_not_found");
    expect((await admin("GET", "/review/999999")).status).toBe(404);
    expect((await admin("POST", `/review/${id}/promote`, { tier: "gold" })).status).toBe(409); // closed before the tier is looked at
  });

  it("an item without text cannot be promoted until a text is given", async () => {
    const other = await target.open();
    const s = await startTestService({ database: other, encoder, exemplars: sampleExemplars, env }); // storeText off
    const d = (await call(s.app, "POST", "/route", { json: { query: "Write a limerick about a cat" } })).body;
    const id = (await call(s.app, "POST", `/decisions/${d.decisionId}/feedback`, { token: FEEDBACK, json: { verdict: "too_weak", correctTier: "premium" } })).body.reviewId;
    const list = await call(s.app, "GET", "/review", { token: ADMIN });
    expect(list.body.groups).toEqual([{ exemplar: null, items: [expect.objectContaining({ id, text: null, nearest: null })] }]);
    const refused = await call(s.app, "POST", `/review/${id}/promote`, { token: ADMIN, json: {} });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/no text/);
    const given = await call(s.app, "POST", `/review/${id}/promote`, { token: ADMIN, json: { text: "Write a limerick about a cat" } });
    expect(given.status).toBe(201);
    expect(given.body.exemplar).toMatchObject({ tier: "premium" });
    await s.deps.lifecycle.stop();
    await other.close();
  });

  it("GET /review/gaps clusters logged queries far from every exemplar", async () => {
    let nearest = 0;
    for (const q of ["Recommend a sourdough hydration for a humid kitchen", "What sourdough hydration suits a humid kitchen?", "Tune a guitar to drop D"]) {
      const d = (await call(service.app, "POST", "/route", { json: { query: q, explain: true } })).body;
      nearest = Math.max(nearest, d.neighbors[0].similarity);
    }
    const threshold = Math.round((nearest + 0.01) * 100) / 100;
    const res = await admin("GET", `/review/gaps?threshold=${threshold}&clusterSimilarity=0.7`);
    expect(res.status).toBe(200);
    expect(res.body.threshold).toBe(threshold);
    expect(res.body.farQueries).toBeGreaterThanOrEqual(3);
    expect(res.body.withText).toBe(res.body.farQueries);
    const sourdough = res.body.clusters.find((c: any) => c.samples.some((t: string) => /sourdough/.test(t)));
    expect(sourdough.size).toBe(2);
    expect(sourdough.meanNearestSimilarity).toBeLessThan(threshold);
    expect(sourdough.nearestExemplar).toMatchObject({ id: expect.any(Number), tier: expect.any(String) });
  });
});
