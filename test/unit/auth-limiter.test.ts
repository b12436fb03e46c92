import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/base/config/load-config.js";
import type { AppEnv } from "../../src/http/app-env.js";
import { createAuth } from "../../src/http/auth.js";

const ADMIN = "admin-token-0123456789abcdef";
const ROUTE = "route-token-0123456789abcdef";
const LIMIT = 30;

/** Three guarded endpoints, as the service guards them (admin, route — the gateway's role too). */
function guardedApp(trustProxy: number) {
  const auth = createAuth({
    tokens: { admin: [{ label: "admin", token: ADMIN }], route: [{ label: "svc", token: ROUTE }] },
    authFailuresPerMinute: LIMIT,
    writesPerMinute: 1_000,
    trustProxy,
  });
  const app = new Hono<AppEnv>();
  app.get("/exemplars", auth("admin"), (c) => c.json({ actor: c.get("actor") }));
  app.post("/route", auth("route"), (c) => c.json({ actor: c.get("actor") }));
  app.post("/v1/chat/completions", auth("route"), (c) => c.json({ actor: c.get("actor") }));
  const send = (path: string, headers: Record<string, string> = {}) => app.request(path, { method: path === "/exemplars" ? "GET" : "POST", headers });
  return { send };
}
const bearer = (token: string, more: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...more });

describe("the failed-authentication limiter (issue 20, fault 8)", () => {
  it("never locks out a valid token: 30 token-less requests from an address, then route, gateway and admin tokens from it still pass", async () => {
    const { send } = guardedApp(0);
    for (let i = 0; i < LIMIT; i++) expect((await send("/route")).status).toBe(401);
    expect((await send("/route")).status).toBe(429); // the address is limited for failures…
    for (const [path, token] of [
      ["/route", ROUTE],
      ["/v1/chat/completions", ROUTE],
      ["/exemplars", ADMIN],
    ] as const) {
      const res = await send(path, bearer(token));
      expect(res.status, path).toBe(200); // …and valid tokens from it are not
    }
  });

  it("limits one wrong token however many addresses it comes from (rotating X-Forwarded-For)", async () => {
    const { send } = guardedApp(1);
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) statuses.push((await send("/route", bearer("a-wrong-token-tried-again", { "x-forwarded-for": `10.0.${i >> 8}.${i & 255}` }))).status);
    expect(statuses.slice(0, LIMIT).every((s) => s === 401)).toBe(true);
    const locked = await send("/route", bearer("a-wrong-token-tried-again", { "x-forwarded-for": "10.9.9.9" }));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await locked.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    // Another wrong token from a fresh address is only a 401: the lockout is that token's, not everyone's.
    expect((await send("/route", bearer("another-wrong-token-entirely", { "x-forwarded-for": "10.9.9.10" }))).status).toBe(401);
  });

  it("behind a trusted proxy, takes the address the proxy appended: a client naming a victim's address locks nobody but itself out", async () => {
    const { send } = guardedApp(1);
    // The attacker (203.0.113.7, as the proxy saw it) puts the victim's address first in X-Forwarded-For.
    for (let i = 0; i < LIMIT + 5; i++) await send("/route", { "x-forwarded-for": "198.51.100.1, 203.0.113.7" });
    expect((await send("/route", { "x-forwarded-for": "203.0.113.7" })).status).toBe(429);
    expect((await send("/route", { "x-forwarded-for": "198.51.100.1" })).status).toBe(401);
    expect((await send("/route", bearer(ROUTE, { "x-forwarded-for": "203.0.113.7" }))).status).toBe(200);
  });

  it("reads http.trustProxy as a number of proxies (true is one)", () => {
    expect(parseConfig({ http: { trustProxy: true } }, {}).http.trustProxy).toBe(1);
    expect(parseConfig({ http: { trustProxy: 2 } }, {}).http.trustProxy).toBe(2);
    expect(parseConfig({}, {}).http.trustProxy).toBe(0);
  });
});
