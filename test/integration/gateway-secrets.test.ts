import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { databaseTargets } from "../helpers/databases.js";
import { FakeUpstream } from "../../scripts/fake-upstream.js";
import { ask, startGatewayService, listen, type GatewayTestService } from "../helpers/gateway.js";

const KEY = "sk-proj-Zq81xLmN0pQrStUv4WxYz0123456789abcdef";
const escaped = (s: string) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
/** Text the caller must never see: the key's first 12 characters, or any 12 from its middle, raw or escaped. */
const leaks = (text: string) => [KEY.slice(0, 12), KEY.slice(10, 22), escaped(KEY.slice(0, 12))].some((s) => text.includes(s));
/** An answer body whose content quotes the key three ways: a 20-character prefix, \u-escaped, and whole. */
const echoing = `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"prefix ${KEY.slice(0, 20)}; escaped ${escaped(KEY)}; whole ${KEY}"},"finish_reason":"stop"}]}`;

// Issue 20, fault 10: an upstream that echoes tierline's key never gets it to the caller, whatever the status or the form.
describe.each(databaseTargets())("keys echoed by an upstream on $name", (target) => {
  let database: DatabaseHandle;
  let service: GatewayTestService;
  let http: Awaited<ReturnType<typeof listen>>;
  let base: string;
  const echo = new FakeUpstream();

  beforeAll(async () => {
    await echo.start();
    database = await target.open();
    const tier = (name: string) => ({ name, model: `${name}-model`, pricePer1MTokens: 1, upstreams: [{ baseUrl: echo.baseUrl, model: "m", apiKeyEnv: "ECHO_KEY" }] });
    service = await startGatewayService({
      database,
      env: { ECHO_KEY: KEY },
      config: { routing: { fallbackTier: "premium" }, tiers: [tier("fast"), tier("standard"), tier("premium")] },
    });
    http = await listen(service.app);
    base = http.base;
  });
  afterAll(async () => {
    await http?.close();
    await service?.deps.lifecycle.stop();
    await database?.close();
    await echo.stop();
  });

  it("scrubs a 2xx answer, keeping it valid JSON", async () => {
    echo.script = { body: echoing };
    const res = await service.chat({ ...ask("hi"), model: "fast" });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(leaks(text)).toBe(false);
    expect((JSON.parse(text) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe("prefix [redacted]; escaped [redacted]; whole [redacted]");
  });

  it("scrubs a refusal's body, including a key split by the 64 KB cut", async () => {
    echo.script = { status: 400, errorBody: echoing };
    const refused = await service.chat({ ...ask("hi"), model: "fast" });
    expect(refused.status).toBe(400);
    expect(leaks(await refused.text())).toBe(false);

    const cutAt = 64 * 1024;
    echo.script = { status: 422, errorBody: `${"x".repeat(cutAt - 9)}${KEY}${"y".repeat(1_000)}` };
    const cut = await service.chat({ ...ask("hi"), model: "fast" });
    expect(cut.status).toBe(422);
    const text = await cut.text();
    expect(text.endsWith("[redacted]")).toBe(true);
    expect(text).not.toContain(KEY.slice(0, 8));
  });

  it("scrubs a stream whose key arrives split across chunks, passing the other events unchanged", async () => {
    const event = `data: {"choices":[{"index":0,"delta":{"content":"key ${KEY}"}}]}\n\n`;
    const split = event.indexOf(KEY) + 10;
    echo.script = { rawChunks: ['data: {"choices":[]}\n\n', event.slice(0, split), event.slice(split), "data: [DONE]\n\n"], chunkIntervalMs: 20 };
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...ask("hi", { stream: true }), model: "fast" }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(leaks(text)).toBe(false);
    expect(text).toBe(`data: {"choices":[]}\n\n${event.replace(KEY, "[redacted]")}data: [DONE]\n\n`);
    echo.script = {};
  });
});
