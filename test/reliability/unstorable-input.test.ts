/**
 * Issue 20, fault 1: text PostgreSQL cannot store (an unpaired UTF-16
 * surrogate, NUL) sent to every write path of the real service, then
 * ordinary traffic. Criteria: each is a 400 in the envelope naming the
 * field (never acknowledged and then refused behind the request), and the
 * decision log keeps logging: every decision routed after the issue's
 * reproducer is in `decision_log`, with nothing dropped or set aside.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordFigures, type Headline } from "./harness/figures.js";
import { bearer, envelopeOf, jsonHeaders, jsonOf, outcome, send } from "./harness/http.js";
import { startScenario, type Scenario } from "./harness/scenario.js";
import { ADMIN_TOKEN, sleep } from "./harness/service.js";

const AFTER = 200;

interface Case {
  name: string;
  method: string;
  path: string;
  body: string;
  contentType?: string;
  /** The field the 400 must name. */
  field: RegExp;
}

/** Every write path, each with a text that holds `bad` (a JSON escape: "\\ud800", "\\u0000"). */
function cases(bad: string, decisionId: string): Case[] {
  const admin = "admin";
  const ndjson = "application/x-ndjson";
  return [
    { name: "the issue's reproducer", method: "POST", path: "/route", body: `{"query":"x","tags":["${bad}"]}`, field: /tags/ },
    { name: "/route query", method: "POST", path: "/route", body: `{"query":"hello ${bad}"}`, field: /query/ },
    { name: "/route messages", method: "POST", path: "/route", body: `{"messages":[{"role":"user","content":"hi ${bad}"}]}`, field: /messages/ },
    { name: "exemplar text", method: "POST", path: "/exemplars", body: `{"text":"a question ${bad}","tier":"fast"}`, field: /text/, contentType: admin },
    { name: "exemplar note", method: "POST", path: "/exemplars", body: `{"text":"a fine question","tier":"fast","note":"n ${bad}"}`, field: /note/, contentType: admin },
    { name: "exemplar import line", method: "POST", path: "/exemplars/import", body: `{"text":"imported ${bad}","tier":"fast"}\n`, field: /line 1/, contentType: ndjson },
    {
      name: "rule name",
      method: "PUT",
      path: "/rules",
      body: `{"rules":[{"name":"r${bad}","match":{"keywords":["hello"]},"action":{"tier":"fast"}}]}`,
      field: /name/,
      contentType: admin,
    },
    { name: "feedback note", method: "POST", path: `/decisions/${decisionId}/feedback`, body: `{"verdict":"ok","note":"n ${bad}"}`, field: /note/, contentType: admin },
    {
      name: "feedback import line",
      method: "POST",
      path: "/feedback/import",
      body: `{"decisionId":"${decisionId}","verdict":"ok","query":"q ${bad}"}\n`,
      field: /line 1/,
      contentType: ndjson,
    },
  ];
}

interface Figures {
  refused: Array<{ case: string; bad: string; outcome: string; ok: boolean }>;
  after: { routed: number; logged: number; dropped: number; deadLetters: number };
}

async function metricSum(s: Scenario, name: string): Promise<number> {
  const text = (await send(s.service.base, { method: "GET", path: "/metrics", agent: false })).body.toString("utf8");
  return text
    .split("\n")
    .filter((l) => l.startsWith(name))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

async function run(s: Scenario): Promise<Figures> {
  const tag = `unstorable${randomBytes(3).toString("hex")}`;
  const decisionId = jsonOf<{ decisionId: string }>(
    await send(s.service.base, { method: "POST", path: "/route", headers: jsonHeaders, body: JSON.stringify({ query: "What is the capital city of Chile?" }) }),
  )!.decisionId;
  const refused: Figures["refused"] = [];
  for (const bad of ["\\ud800", "\\udc00", "\\u0000"]) {
    for (const c of cases(bad, decisionId)) {
      const headers =
        c.contentType === "admin" ? { ...bearer(ADMIN_TOKEN), ...jsonHeaders } : c.contentType ? { ...bearer(ADMIN_TOKEN), "content-type": c.contentType } : jsonHeaders;
      const res = await send(s.service.base, { method: c.method, path: c.path, headers: { ...headers, "idempotency-key": randomUUID() }, body: c.body });
      const env = envelopeOf(res);
      refused.push({ case: c.name, bad, outcome: outcome(res).slice(0, 160), ok: res.status === 400 && env !== undefined && c.field.test(env.message) });
    }
  }
  let routed = 0;
  for (let i = 0; i < AFTER; i++) {
    const res = await send(s.service.base, {
      method: "POST",
      path: "/route",
      headers: jsonHeaders,
      body: JSON.stringify({ query: `What is the capital city of country ${i}?`, tags: [tag] }),
    });
    if (res.status === 200) routed++;
  }
  // The log is written behind, a flush a second: give it a few.
  let logged = 0;
  for (let t = 0; t < 20 && logged < routed; t++) {
    await sleep(500);
    logged = (await s.sql<Array<{ n: number }>>`select count(*)::int as n from decision_log where ${tag} = any(tags)`)[0]!.n;
  }
  return {
    refused,
    after: { routed, logged, dropped: await metricSum(s, "tierline_decision_log_dropped_total"), deadLetters: await metricSum(s, "tierline_write_behind_dead_letters_total") },
  };
}

describe("text PostgreSQL cannot store, on every write path of the running service", () => {
  let s: Scenario;
  let f: Figures;

  beforeAll(async () => {
    s = await startScenario("unstorable-input");
    f = await run(s);
  });

  afterAll(async () => {
    if (f) {
      const bad = f.refused.filter((r) => !r.ok);
      const headlines: Headline[] = [
        {
          scenario: "unstorable text: refused",
          criterion: "400 naming the field, every write path",
          measured: `${f.refused.length - bad.length}/${f.refused.length}${bad.length ? `; e.g. ${bad[0]!.case} (${bad[0]!.bad}): ${bad[0]!.outcome}` : ""}`,
          pass: bad.length === 0,
        },
        {
          scenario: "unstorable text: log keeps logging",
          criterion: "every later decision in decision_log",
          measured: `${f.after.routed} routed, ${f.after.logged} logged, ${f.after.dropped} dropped, ${f.after.deadLetters} set aside`,
          pass: f.after.logged === f.after.routed && f.after.dropped === 0,
        },
      ];
      recordFigures("unstorable-input", f as unknown as Record<string, unknown>, headlines);
    }
    await s?.dispose();
  });

  it("answers 400 naming the field for an unpaired surrogate or NUL on every write path", () => {
    expect(f.refused.filter((r) => !r.ok)).toEqual([]);
  });

  it("keeps the decision log logging: every decision routed afterwards is in the table, none dropped or set aside", () => {
    expect(f.after.routed).toBe(AFTER);
    expect(f.after.logged).toBe(AFTER);
    expect(f.after.dropped).toBe(0);
    expect(f.after.deadLetters).toBe(0);
  });
});
