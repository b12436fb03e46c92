/**
 * Issue 20, fault 10: key redaction matched the exact key only: a
 * 20-character prefix or a \u-escaped key in a 4xx body passed, and 2xx
 * bodies were never scrubbed. Criteria: an upstream that echoes tierline's
 * key (a 20-character prefix, JSON-escaped, whole, split by the 64 KB cut of
 * an error body, split across stream chunks) never gets it to the caller,
 * on any status, nor into the service's log.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordFigures } from "./harness/figures.js";
import { outcome } from "./harness/http.js";
import { startScenario, type Scenario } from "./harness/scenario.js";
import { chat, FakeUpstream, scriptByModel, tiersOn } from "./harness/upstreams.js";
import type { Behaviour } from "../../scripts/fake-upstream.js";

const KEY = "sk-proj-R3liab1l1tyEch0K3y-7c1d9e2f4a6b8c0d";
const escaped = (s: string) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
const content = `prefix ${KEY.slice(0, 20)}; escaped ${escaped(KEY)}; whole ${KEY}`;
const answer = `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"${content}"},"finish_reason":"stop"}]}`;
const event = `data: {"choices":[{"index":0,"delta":{"content":"${content}"}}]}\n\n`;
const split = event.indexOf(KEY) + 7;

/** Every run of 12 characters of the key, raw and \u-escaped: none may reach the caller. */
const windows = Array.from({ length: KEY.length - 11 }, (_, i) => KEY.slice(i, i + 12)).flatMap((w) => [w, escaped(w)]);
const leakIn = (text: string) => windows.find((w) => text.includes(w)) ?? null;

const CASES: Array<{ name: string; stream?: boolean; behaviour: Behaviour }> = [
  { name: "200 answer", behaviour: { body: answer } },
  { name: "400 refusal", behaviour: { status: 400, errorBody: answer } },
  { name: "422 refusal, key split by the 64 KB cut", behaviour: { status: 422, errorBody: `${"x".repeat(64 * 1024 - 9)}${KEY}${"y".repeat(100)}` } },
  { name: "500 (not passed on)", behaviour: { status: 500, errorBody: answer } },
  { name: "stream, key split across chunks", stream: true, behaviour: { rawChunks: [event.slice(0, split), event.slice(split), "data: [DONE]\n\n"], chunkIntervalMs: 20 } },
];

describe("secrets: keys an upstream echoes back", () => {
  let s: Scenario;
  const fake = new FakeUpstream();
  let current: Behaviour = {};
  const answers: Array<{ name: string; status: number | null; bytes: number; leak: string | null; outcome: string }> = [];
  let logLeak: string | null = null;

  beforeAll(async () => {
    await fake.start();
    scriptByModel(fake, { echo: () => current });
    s = await startScenario("secrets-echo", {
      env: { UPSTREAM_KEY: KEY },
      config: { tiers: tiersOn(fake, { fast: [{ model: "echo", apiKeyEnv: "UPSTREAM_KEY" }], standard: [{ model: "plain" }], premium: [{ model: "plain-premium" }] }) },
    });
    for (const c of CASES) {
      current = c.behaviour;
      const res = await chat(s.service.base, "echo", { extra: c.stream ? { stream: true } : {}, timeoutMs: 30_000 });
      answers.push({ name: c.name, status: res.status, bytes: res.bytes, leak: leakIn(res.body.toString("utf8")), outcome: outcome(res).slice(0, 80) });
    }
    // The upstream did receive the key (so there was something to leak).
    const sent = fake.requests.filter((r) => r.body.model === "echo").every((r) => r.headers.authorization === `Bearer ${KEY}`);
    if (!sent) throw new Error("the fake upstream never saw the key: the scenario tests nothing");
    logLeak = leakIn(s.service.logText());
  });

  afterAll(async () => {
    recordFigures("secrets-echo", { answers, logLeak }, [
      {
        scenario: "key echoed by an upstream (prefix, \\u-escaped, whole, cut, split)",
        criterion: "no 12 characters of it reach the caller or the log",
        measured: `${answers.filter((a) => a.leak === null).length}/${answers.length} answers clean (${answers.map((a) => `${a.name}: ${a.status}`).join("; ")}); log ${logLeak === null ? "clean" : "LEAKS"}`,
        pass: answers.length === CASES.length && answers.every((a) => a.leak === null && a.status !== null) && logLeak === null,
      },
    ]);
    await s?.dispose();
    await fake.stop();
  });

  it("never passes any 12 characters of the key to the caller, on any status, streamed or not", () => {
    expect(answers.filter((a) => a.status === null || a.leak !== null).map((a) => `${a.name}: ${a.leak ?? a.outcome}`)).toEqual([]);
  });

  it("keeps the key out of the service's log", () => {
    expect(logLeak).toBeNull();
  });
});
