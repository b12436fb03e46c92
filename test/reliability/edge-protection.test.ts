/**
 * Issue 11, fault 7 (edge): no rate limiting or lockout (76,242 wrong-token
 * tries in 11 s, no 429); slow-header connections held open (800 for 20 s);
 * OPTIONS → 404, no security headers. Criteria: failed auth is rate-limited
 * (429 with Retry-After, in the envelope); slow-header connections are closed
 * by a header timeout while normal requests keep being served; OPTIONS is
 * answered; responses carry `x-content-type-options: nosniff`.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fmtMs, recordFigures, type Headline } from "./harness/figures.js";
import { bearer, envelopeOf, jsonHeaders, keepAliveAgent, outcome, send, type HttpResult } from "./harness/http.js";
import { scaled } from "./harness/scale.js";
import { startScenario, type Scenario } from "./harness/scenario.js";
import { ADMIN_TOKEN, sleep } from "./harness/service.js";

/** Wrong-token tries before a 429 must have come (fixed: a limiter that waits longer is no limiter). */
const MAX_AUTH_TRIES = 2000;
const SLOW_CONNECTIONS = scaled(800, 80);
/**
 * Every slow-header connection must be closed by the server within this
 * long. The issue found 800 still open after 20 s; a header timeout of ~10 s
 * plus Node's connection-check interval fits well inside 30 s.
 */
const HEADER_CLOSE_BOUND_MS = 30_000;

interface AuthFigures {
  route: string;
  tries: number;
  firstLimitedAt: number | null;
  triesPerSecond: number;
  limited: { status: number | null; retryAfter: string | undefined; envelope: boolean; outcome: string } | null;
  validTokenAfterLockout: string;
}

interface SlowFigures {
  connections: number;
  opened: number;
  closedByServer: number;
  closeTimesMs: { p50: number; max: number };
  stillOpenAtBound: number;
  healthzDuringAttack: { ms: number; outcome: string }[];
}

interface HeaderFigures {
  responses: Array<{ what: string; status: number | null; nosniff: boolean; headers: Record<string, string> }>;
  options: Array<{ path: string; status: number | null; allow?: string; cors: Record<string, string> }>;
}

const SECURITY_HEADERS = [
  "x-content-type-options",
  "x-frame-options",
  "content-security-policy",
  "referrer-policy",
  "strict-transport-security",
  "cross-origin-resource-policy",
  "cache-control",
];

describe("edge protection: auth rate limit, slow headers, OPTIONS, security headers", () => {
  let s: Scenario;
  const auth: AuthFigures[] = [];
  let slow: SlowFigures;
  let headers: HeaderFigures;

  beforeAll(async () => {
    s = await startScenario("edge-protection");

    // Security headers and OPTIONS first, before any limiter has an opinion about this client.
    const probes: Array<[string, () => Promise<HttpResult>]> = [
      ["GET /healthz 200", () => send(s.service.base, { method: "GET", path: "/healthz" })],
      ["POST /route 200", () => send(s.service.base, { method: "POST", path: "/route", headers: jsonHeaders, body: JSON.stringify({ query: "what is the capital of France?" }) })],
      ["POST /route 400", () => send(s.service.base, { method: "POST", path: "/route", headers: jsonHeaders, body: "{" })],
      ["GET /nope 404", () => send(s.service.base, { method: "GET", path: "/nope" })],
      ["GET /exemplars 200", () => send(s.service.base, { method: "GET", path: "/exemplars?limit=1", headers: bearer(ADMIN_TOKEN) })],
    ];
    headers = { responses: [], options: [] };
    for (const [what, run] of probes) {
      const res = await run();
      const picked: Record<string, string> = {};
      for (const h of SECURITY_HEADERS) if (res.headers[h] !== undefined) picked[h] = String(res.headers[h]);
      headers.responses.push({ what, status: res.status, nosniff: res.headers["x-content-type-options"] === "nosniff", headers: picked });
    }
    for (const path of ["/route", "/exemplars", "/stats/cache", "/healthz"]) {
      const res = await send(s.service.base, {
        method: "OPTIONS",
        path,
        headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type, authorization" },
      });
      const cors: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (k.startsWith("access-control-")) cors[k] = String(v);
      headers.options.push({ path, status: res.status, allow: res.headers.allow as string | undefined, cors });
    }

    // Slow headers: connections that never finish their request head.
    slow = await slowHeaders(s);

    // Failed auth, as fast as 8 clients can send it, until a 429.
    for (const route of ["/exemplars", "/stats/cache"]) auth.push(await hammerAuth(s, route));
  });

  afterAll(async () => {
    const headlines: Headline[] = [
      {
        scenario: "auth failures rate-limited",
        criterion: `429 + Retry-After within ${MAX_AUTH_TRIES} tries`,
        measured: auth
          .map(
            (x) =>
              `${x.route}: ${x.firstLimitedAt === null ? `no 429 in ${x.tries} tries (${x.triesPerSecond}/s)` : `429 after ${x.firstLimitedAt} tries, Retry-After ${x.limited?.retryAfter ?? "missing"}`}`,
          )
          .join("; "),
        pass: auth.every((x) => x.firstLimitedAt !== null && validRetryAfter(x.limited?.retryAfter) && x.limited?.envelope === true),
      },
      {
        scenario: `slow-header connections (${slow?.connections})`,
        criterion: `closed by the server within ${HEADER_CLOSE_BOUND_MS / 1000} s`,
        measured: slow
          ? `${slow.closedByServer}/${slow.opened} closed, ${slow.stillOpenAtBound} still open at ${HEADER_CLOSE_BOUND_MS / 1000} s; close p50 ${fmtMs(slow.closeTimesMs.p50)}; /healthz meanwhile max ${fmtMs(Math.max(...slow.healthzDuringAttack.map((h) => h.ms)))}`
          : "not run",
        pass: !!slow && slow.opened > 0 && slow.stillOpenAtBound === 0 && slow.healthzDuringAttack.every((h) => h.outcome.startsWith("200")),
      },
      {
        scenario: "OPTIONS and security headers",
        criterion: "OPTIONS answered (2xx/403); nosniff on every response",
        measured: `OPTIONS ${headers?.options.map((o) => `${o.path} ${o.status}`).join(", ")}; nosniff on ${headers?.responses.filter((r) => r.nosniff).length}/${headers?.responses.length}`,
        pass: !!headers && headers.options.every(optionsOk) && headers.responses.every((r) => r.nosniff),
      },
    ];
    recordFigures("edge-protection", { auth, slow, headers, maxAuthTries: MAX_AUTH_TRIES, headerCloseBoundMs: HEADER_CLOSE_BOUND_MS }, headlines);
    await s?.dispose();
  });

  it(`failed auth gets a 429 with Retry-After within ${MAX_AUTH_TRIES} tries, on the curator and the stats API`, () => {
    for (const a of auth) {
      expect(a.firstLimitedAt, `${a.route}: ${a.tries} wrong-token tries at ${a.triesPerSecond}/s, no 429`).not.toBeNull();
      expect(validRetryAfter(a.limited?.retryAfter), `Retry-After: ${a.limited?.retryAfter}`).toBe(true);
      expect(a.limited?.envelope, a.limited?.outcome).toBe(true);
    }
  });

  it(`slow-header connections are closed by the server within ${HEADER_CLOSE_BOUND_MS / 1000} s, and /healthz is served meanwhile`, () => {
    expect(slow.opened).toBeGreaterThan(0);
    expect(slow.stillOpenAtBound, `${slow.stillOpenAtBound} of ${slow.opened} still open`).toBe(0);
    expect(slow.healthzDuringAttack.filter((h) => !h.outcome.startsWith("200"))).toEqual([]);
  });

  it("OPTIONS is answered (2xx, or 403 for an unconfigured origin; not 401/404/5xx)", () => {
    expect(headers.options.filter((o) => !optionsOk(o))).toEqual([]);
  });

  it("every response carries x-content-type-options: nosniff", () => {
    expect(headers.responses.filter((r) => !r.nosniff).map((r) => r.what)).toEqual([]);
  });
});

/** A preflight is answered: 2xx, or 403 for an origin CORS is not configured for; never 401 (browsers send no credentials on a preflight), 404, 405 or 5xx. */
const optionsOk = (o: { status: number | null }) => o.status !== null && ((o.status >= 200 && o.status < 300) || o.status === 403);

/** Retry-After: delay-seconds (a positive integer) or an HTTP date in the future. */
function validRetryAfter(v: string | undefined): boolean {
  if (v === undefined) return false;
  if (/^\d+$/.test(v.trim())) return Number(v) > 0;
  const d = Date.parse(v);
  return Number.isFinite(d) && d > Date.now() - 1000;
}

async function hammerAuth(s: Scenario, route: string): Promise<AuthFigures> {
  const agent = keepAliveAgent(8);
  let tries = 0;
  let limited: HttpResult | null = null;
  let firstLimitedAt: number | null = null;
  const start = performance.now();
  const worker = async () => {
    while (tries < MAX_AUTH_TRIES && !limited) {
      const n = ++tries;
      const res = await send(s.service.base, { method: "GET", path: route, headers: bearer(`wrong-token-${n}-0123456789abcdef`), agent, timeoutMs: 10_000 });
      if (res.status === 429 && !limited) {
        limited = res;
        firstLimitedAt = n;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const elapsed = (performance.now() - start) / 1000;
  const valid = await send(s.service.base, { method: "GET", path: route, headers: bearer(ADMIN_TOKEN), agent });
  agent.destroy();
  const l = limited as HttpResult | null;
  return {
    route,
    tries,
    firstLimitedAt,
    triesPerSecond: Math.round(tries / elapsed),
    limited: l ? { status: l.status, retryAfter: l.headers["retry-after"] as string | undefined, envelope: envelopeOf(l) !== undefined, outcome: outcome(l) } : null,
    validTokenAfterLockout: outcome(valid).slice(0, 80),
  };
}

async function slowHeaders(s: Scenario): Promise<SlowFigures> {
  const sockets: Array<{ socket: Socket; openedAt: number; closedAt: number | null }> = [];
  const start = performance.now();
  await Promise.all(
    Array.from(
      { length: SLOW_CONNECTIONS },
      () =>
        new Promise<void>((resolve) => {
          const entry = { socket: connect(s.service.port, "127.0.0.1"), openedAt: 0, closedAt: null as number | null };
          entry.socket.on("connect", () => {
            entry.openedAt = performance.now();
            entry.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-0: x\r\n`);
            sockets.push(entry);
            resolve();
          });
          entry.socket.on("data", () => {});
          entry.socket.on("error", () => {});
          entry.socket.on("close", () => {
            entry.closedAt ??= performance.now();
            resolve();
          });
        }),
    ),
  );
  // One more header line every 2 s: never a complete request head.
  let n = 0;
  const drip = setInterval(() => {
    n++;
    for (const e of sockets) if (e.closedAt === null && !e.socket.destroyed) e.socket.write(`X-Slow-${n}: x\r\n`);
  }, 2000);
  const healthz: Array<{ ms: number; outcome: string }> = [];
  const deadline = start + HEADER_CLOSE_BOUND_MS;
  while (performance.now() < deadline && sockets.some((e) => e.closedAt === null)) {
    const res = await send(s.service.base, { method: "GET", path: "/healthz", agent: false, timeoutMs: 10_000 });
    healthz.push({ ms: Math.round(res.ms), outcome: outcome(res).slice(0, 60) });
    await sleep(1000);
  }
  clearInterval(drip);
  const stillOpen = sockets.filter((e) => e.closedAt === null).length;
  const closeTimes = sockets
    .filter((e) => e.closedAt !== null)
    .map((e) => e.closedAt! - e.openedAt)
    .sort((a, b) => a - b);
  for (const e of sockets) e.socket.destroy();
  return {
    connections: SLOW_CONNECTIONS,
    opened: sockets.length,
    closedByServer: closeTimes.length,
    closeTimesMs: { p50: Math.round(closeTimes[Math.floor(closeTimes.length / 2)] ?? NaN), max: Math.round(closeTimes.at(-1) ?? NaN) },
    stillOpenAtBound: stillOpen,
    healthzDuringAttack: healthz,
  };
}
