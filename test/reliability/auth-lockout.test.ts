/**
 * Issue 20, fault 8: the failed-authentication limiter locked out by
 * address: 30 token-less requests from one address locked valid route,
 * gateway and admin tokens out of it (behind a proxy: everyone); with
 * trustProxy, rotating X-Forwarded-For never tripped it, and naming a
 * victim's address first locked the victim out. Criteria (service behind
 * one trusted proxy, http.trustProxy: true): after the lockout, valid
 * tokens from that address are served; a client naming a victim's address
 * locks nobody but itself out; one wrong token from rotating addresses gets
 * a 429 within 2,000 tries.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordFigures } from "./harness/figures.js";
import { bearer, jsonHeaders, keepAliveAgent, send, type HttpResult } from "./harness/http.js";
import { startScenario, type Scenario } from "./harness/scenario.js";
import { ADMIN_TOKEN } from "./harness/service.js";

const ROUTE_TOKEN = "reliability-route-token-5e2b7d9c1a";
const FAILURES_PER_MINUTE = 30;
const MAX_TRIES = 2_000;
const VICTIM = "198.51.100.1";
const ATTACKER = "203.0.113.7";

describe("auth lockout: what the caller presents, not only where it comes from", () => {
  let s: Scenario;
  let afterLockout: { tokenless: number | null; valid: Array<{ what: string; status: number | null }> };
  let victim: { tokenless: number | null; valid: number | null; attackerTokenless: number | null };
  let rotating: { tries: number; firstLimitedAt: number | null; retryAfter: string | undefined };

  beforeAll(async () => {
    s = await startScenario("auth-lockout", { env: { TIERLINE_ROUTE_TOKEN: ROUTE_TOKEN }, config: { http: { trustProxy: true } } });
    const agent = keepAliveAgent(8);
    const route = (headers: Record<string, string>) =>
      send(s.service.base, { method: "POST", path: "/route", headers: { ...jsonHeaders, ...headers }, body: JSON.stringify({ query: "what is the capital of France?" }), agent });

    // From this machine's own address (no X-Forwarded-For): token-less until the address is limited.
    for (let i = 0; i <= FAILURES_PER_MINUTE; i++) await route({});
    afterLockout = {
      tokenless: (await route({})).status,
      valid: [
        { what: "POST /route (route token)", status: (await route(bearer(ROUTE_TOKEN))).status },
        { what: "GET /v1/models (route token)", status: (await send(s.service.base, { method: "GET", path: "/v1/models", headers: bearer(ROUTE_TOKEN), agent })).status },
        { what: "GET /exemplars (admin token)", status: (await send(s.service.base, { method: "GET", path: "/exemplars?limit=1", headers: bearer(ADMIN_TOKEN), agent })).status },
      ],
    };

    // Behind the proxy: the attacker writes the victim's address first; the proxy appends the attacker's.
    for (let i = 0; i <= FAILURES_PER_MINUTE + 10; i++) await route({ "x-forwarded-for": `${VICTIM}, ${ATTACKER}` });
    victim = {
      tokenless: (await route({ "x-forwarded-for": VICTIM })).status,
      valid: (await route({ ...bearer(ROUTE_TOKEN), "x-forwarded-for": VICTIM })).status,
      attackerTokenless: (await route({ "x-forwarded-for": ATTACKER })).status,
    };

    // One wrong token from a new address every time.
    let limited: HttpResult | null = null;
    let tries = 0;
    while (tries < MAX_TRIES && limited === null) {
      tries++;
      const res = await route({ ...bearer("a-leaked-and-revoked-token-0123"), "x-forwarded-for": `10.${(tries >> 16) & 255}.${(tries >> 8) & 255}.${tries & 255}` });
      if (res.status === 429) limited = res;
    }
    rotating = { tries, firstLimitedAt: limited ? tries : null, retryAfter: limited?.headers["retry-after"] as string | undefined };
    agent.destroy();
  });

  afterAll(async () => {
    recordFigures("auth-lockout", { afterLockout, victim, rotating }, [
      {
        scenario: `valid tokens after ${FAILURES_PER_MINUTE} token-less requests from their address`,
        criterion: "served (2xx); token-less 429",
        measured: afterLockout ? `token-less ${afterLockout.tokenless}; ${afterLockout.valid.map((v) => `${v.what} ${v.status}`).join(", ")}` : "not run",
        pass: !!afterLockout && afterLockout.tokenless === 429 && afterLockout.valid.every((v) => v.status === 200),
      },
      {
        scenario: "a client naming a victim's address (X-Forwarded-For)",
        criterion: "the victim: 401 token-less, 200 with its token; the attacker 429",
        measured: victim ? `victim token-less ${victim.tokenless}, with token ${victim.valid}; attacker ${victim.attackerTokenless}` : "not run",
        pass: victim?.tokenless === 401 && victim.valid === 200 && victim.attackerTokenless === 429,
      },
      {
        scenario: "one wrong token, rotating X-Forwarded-For",
        criterion: `429 within ${MAX_TRIES} tries`,
        measured: rotating
          ? rotating.firstLimitedAt === null
            ? `no 429 in ${rotating.tries} tries`
            : `429 after ${rotating.firstLimitedAt} tries, Retry-After ${rotating.retryAfter}`
          : "not run",
        pass: rotating?.firstLimitedAt !== null && rotating?.retryAfter !== undefined,
      },
    ]);
    await s?.dispose();
  });

  it("serves valid route, gateway and admin tokens from an address whose token-less requests are limited", () => {
    expect(afterLockout.tokenless).toBe(429);
    expect(afterLockout.valid.filter((v) => v.status !== 200)).toEqual([]);
  });

  it("takes the address the proxy appended: naming a victim locks out only the one who does it", () => {
    expect(victim).toEqual({ tokenless: 401, valid: 200, attackerTokenless: 429 });
  });

  it(`limits one wrong token tried from ever-new addresses within ${MAX_TRIES} tries`, () => {
    expect(rotating.firstLimitedAt, `${rotating.tries} tries, no 429`).not.toBeNull();
    expect(Number(rotating.retryAfter)).toBeGreaterThan(0);
  });
});
