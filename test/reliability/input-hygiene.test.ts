/**
 * Issue 11, fault 3: NUL bytes gave 500s on every curator route and the
 * import (PostgreSQL rejects 0x00 in text); /stats mapped every error to 503
 * database_unavailable and echoed the SQL and its parameters
 * (/stats/cache?from=0000-01-01T00:00:00Z). Criteria: NUL in any text field
 * is a 400 naming the field (on /route a 400 or a routed answer), nothing is
 * written; date edge cases on /stats are 200 or 400, never 5xx, never SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordFigures, type Headline } from "./harness/figures.js";
import { EDGE_DATES } from "./harness/fuzz.js";
import { SQL_LEAK } from "./harness/fuzz-runner.js";
import { bearer, envelopeOf, jsonHeaders, jsonOf, outcome, send, type HttpResult } from "./harness/http.js";
import { exemplarCount, startScenario, type Scenario } from "./harness/scenario.js";
import { ADMIN_TOKEN, ANALYST_TOKEN, TIERS } from "./harness/service.js";

interface NulCase {
  name: string;
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  /** The field the 400 must name (a word in the message). */
  field: string;
  /** /route may also route the query (the NUL never reaches the database). */
  routedIsFine?: boolean;
}

const admin = bearer(ADMIN_TOKEN);
const ndjson = "application/x-ndjson";

function nulCases(existingId: number): NulCase[] {
  const j = JSON.stringify;
  return [
    { name: "POST /exemplars text", method: "POST", path: "/exemplars", body: j({ text: "nul\u0000in text", tier: "fast" }), field: "text" },
    { name: "POST /exemplars text, only NUL", method: "POST", path: "/exemplars", body: j({ text: "\u0000", tier: "fast" }), field: "text" },
    { name: "POST /exemplars note", method: "POST", path: "/exemplars", body: j({ text: "a fine text for a nul note", tier: "fast", note: "n\u0000" }), field: "note" },
    { name: "POST /exemplars tier", method: "POST", path: "/exemplars", body: j({ text: "a fine text for a nul tier", tier: "fa\u0000st" }), field: "tier" },
    {
      name: "POST /exemplars batch item text",
      method: "POST",
      path: "/exemplars",
      body: j({
        exemplars: [
          { text: "first fine text of a batch", tier: "fast" },
          { text: "second\u0000", tier: "premium" },
        ],
      }),
      field: "text",
    },
    { name: "PATCH /exemplars/:id text", method: "PATCH", path: `/exemplars/${existingId}`, body: j({ text: "patched\u0000text" }), field: "text" },
    { name: "PATCH /exemplars/:id note", method: "PATCH", path: `/exemplars/${existingId}`, body: j({ note: "\u0000" }), field: "note" },
    { name: "PATCH /exemplars/:id tier", method: "PATCH", path: `/exemplars/${existingId}`, body: j({ tier: "premium\u0000" }), field: "tier" },
    { name: "GET /exemplars?q", method: "GET", path: "/exemplars?q=ab%00cd", field: "q" },
    { name: "GET /exemplars?tier", method: "GET", path: "/exemplars?tier=%00", field: "tier" },
    { name: "GET /exemplars?q&tier", method: "GET", path: "/exemplars?tier=fast&q=%00", field: "q" },
    {
      name: "POST /exemplars/import text",
      method: "POST",
      path: "/exemplars/import",
      contentType: ndjson,
      body: `${j({ text: "fine import line one", tier: "fast" })}\n${j({ text: "bad\u0000line", tier: "fast" })}\n`,
      field: "text",
    },
    {
      name: "POST /exemplars/import note",
      method: "POST",
      path: "/exemplars/import",
      contentType: ndjson,
      body: `${j({ text: "fine import line with a nul note", tier: "fast", note: "\u0000" })}\n`,
      field: "note",
    },
    {
      name: "POST /exemplars/import tier",
      method: "POST",
      path: "/exemplars/import",
      contentType: ndjson,
      body: `${j({ text: "fine import line with a nul tier", tier: "\u0000" })}\n`,
      field: "tier",
    },
    { name: "GET /stats/cache?tier", method: "GET", path: "/stats/cache?tier=%00", field: "tier" },
    { name: "POST /route query", method: "POST", path: "/route", body: j({ query: "what is\u0000 2+2" }), field: "query", routedIsFine: true },
    { name: "POST /route messages", method: "POST", path: "/route", body: j({ messages: [{ role: "user", content: "\u0000hello" }] }), field: "content", routedIsFine: true },
  ];
}

interface NulResult {
  name: string;
  outcome: string;
  ok: boolean;
  why?: string;
}

function judgeNul(c: NulCase, res: HttpResult): NulResult {
  const base = { name: c.name, outcome: outcome(res) };
  if (c.routedIsFine && res.status === 200 && (TIERS as readonly string[]).includes(jsonOf<{ tier: string }>(res)?.tier ?? "")) return { ...base, ok: true };
  if (res.status !== 400) return { ...base, ok: false, why: "not a 400" };
  const env = envelopeOf(res);
  if (!env) return { ...base, ok: false, why: "no error envelope" };
  if (!new RegExp(`\\b${c.field}\\b`, "i").test(env.message)) return { ...base, ok: false, why: `message does not name "${c.field}"` };
  return { ...base, ok: true };
}

interface DateResult {
  path: string;
  outcome: string;
  ok: boolean;
  why?: string;
}

describe("NUL bytes and date edge cases", () => {
  let s: Scenario;
  const nul: NulResult[] = [];
  const dates: DateResult[] = [];
  let rowsBefore = 0;
  let rowsAfter = 0;

  beforeAll(async () => {
    s = await startScenario("input-hygiene");
    const id = (await s.sql<Array<{ id: number }>>`select min(id)::int as id from exemplars`)[0]?.id ?? 1;
    rowsBefore = await exemplarCount(s.sql);
    for (const c of nulCases(id)) {
      const headers: Record<string, string> = { ...(c.path.startsWith("/stats") ? bearer(ANALYST_TOKEN) : c.path.startsWith("/route") ? {} : admin) };
      if (c.body !== undefined) headers["content-type"] = c.contentType ?? jsonHeaders["content-type"];
      nul.push(judgeNul(c, await send(s.service.base, { method: c.method, path: c.path, headers, body: c.body, timeoutMs: 30_000 })));
    }
    rowsAfter = await exemplarCount(s.sql);

    const now = new Date().toISOString();
    const paths: string[] = ["/stats/cache?from=0000-01-01T00:00:00Z"];
    for (const endpoint of ["/stats/cache", "/stats/routing"]) {
      for (const d of EDGE_DATES) {
        const v = encodeURIComponent(d);
        paths.push(`${endpoint}?from=${v}`, `${endpoint}?to=${v}`, `${endpoint}?from=${v}&to=${encodeURIComponent(now)}`, `${endpoint}?from=0001-01-01T00:00:00Z&to=${v}`);
      }
      paths.push(
        `${endpoint}?from=${encodeURIComponent(now)}&to=${encodeURIComponent(now)}`,
        `${endpoint}?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
        `${endpoint}?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z`,
      );
    }
    for (const path of paths) {
      const res = await send(s.service.base, { method: "GET", path, headers: bearer(ANALYST_TOKEN), timeoutMs: 30_000 });
      const body = res.body.toString("utf8");
      let why: string | undefined;
      if (res.status === null) why = `no answer (${res.error})`;
      else if (res.status >= 500) why = "5xx";
      else if (res.status !== 200 && res.status !== 400) why = `status ${res.status}`;
      else if (res.status === 400 && !envelopeOf(res)) why = "no error envelope";
      else if (SQL_LEAK.test(body)) why = "body shows SQL";
      dates.push({ path, outcome: outcome(res).slice(0, 200), ok: why === undefined, why });
    }
  });

  afterAll(async () => {
    const headlines: Headline[] = [
      {
        scenario: "NUL in text fields",
        criterion: "400 naming the field (route: 400 or routed)",
        measured: `${nul.filter((r) => r.ok).length}/${nul.length} ok; ${nul.filter((r) => r.outcome.startsWith("500")).length} answered 500; rows ${rowsBefore} → ${rowsAfter}`,
        pass: nul.every((r) => r.ok) && rowsAfter === rowsBefore,
      },
      {
        scenario: "/stats date edge cases",
        criterion: "200 or 400, no 5xx, no SQL in body",
        measured: `${dates.filter((r) => r.ok).length}/${dates.length} ok; ${dates.filter((r) => r.why === "5xx").length} 5xx, ${dates.filter((r) => /SQL/.test(r.why ?? "") || SQL_LEAK.test(r.outcome)).length} showing SQL`,
        pass: dates.every((r) => r.ok),
      },
    ];
    recordFigures("input-hygiene", { nul, dates, rowsBefore, rowsAfter }, headlines);
    await s?.dispose();
  });

  it("NUL in any curator or stats text field is a 400 naming the field", () => {
    expect(nul.filter((r) => !r.ok && !r.name.startsWith("POST /route"))).toEqual([]);
  });

  it("NUL in a /route query is a 400 naming the field or a routed answer, never a 5xx", () => {
    expect(nul.filter((r) => !r.ok && r.name.startsWith("POST /route"))).toEqual([]);
  });

  it("a rejected NUL write writes nothing (batches and imports stay atomic)", () => {
    expect(rowsAfter).toBe(rowsBefore);
  });

  it("/stats answers 200 or 400 for every date edge case, including the issue's from=0000-01-01, and never shows SQL", () => {
    expect(dates.filter((r) => !r.ok)).toEqual([]);
  });

  it("the service is alive afterwards", () => {
    expect(s.service.alive(), s.service.describeExit()).toBe(true);
  });
});
