import { describe, expect, it } from "vitest";
import { addFields, inspectAnswer } from "../../src/adapters/upstreams/answer-facts.js";
import { SseUsageTap } from "../../src/gateway/stream-relay.js";
import type { CallResult } from "../../src/adapters/upstreams/upstream-client.js";
import type { Upstream } from "../../src/adapters/upstreams/upstream-registry.js";

const upstream: Upstream = { id: "u/0", tier: "u", url: "http://127.0.0.1:1/v1/chat/completions", model: "m", timeoutMs: 1_000, pricePer1MTokens: 1 };
const ok: CallResult = { kind: "answer", status: 200, contentType: "application/json", body: new Uint8Array(), facts: { object: true, usage: null, text: "hi" }, ms: 1 };

describe("answers", () => {
  it("adds the cascade's field to the upstream's bytes without re-serialising them, and only to an object", () => {
    const body = Buffer.from('{"id":"x","n":1.50}\n');
    const added = addFields(inspectAnswer(body, []), { tierline: { a: 1 } });
    expect(Buffer.from(added!).toString()).toBe('{"id":"x","n":1.50,"tierline":{"a":1}}\n');
    expect(Buffer.from(addFields(inspectAnswer(Buffer.from("{ }"), []), { t: 1 })!).toString()).toBe('{ "t":1}');
    expect(addFields(inspectAnswer(Buffer.from("[1]"), []), { t: 1 })).toBeNull();
    expect(addFields(inspectAnswer(Buffer.from("not json"), []), { t: 1 })).toBeNull();
  });

  it("reads usage from a stream whose partial lines arrive a byte at a time, and skips a line past 256 KB to its end", () => {
    const tap = new SseUsageTap();
    const usage = 'data: {"usage":{"prompt_tokens":3,"completion_tokens":4}}\n';
    for (const byte of Buffer.from(usage)) tap.push(Uint8Array.of(byte));
    expect(tap.usage).toEqual({ promptTokens: 3, completionTokens: 4 });
    const long = new SseUsageTap();
    long.push(Buffer.from(`data: {"x":"${"y".repeat(300_000)}`));
    // The rest of that overlong line looks like a usage chunk of its own; it is not one.
    long.push(Buffer.from('data: {"usage":{"prompt_tokens":9,"completion_tokens":9}}\n'));
    long.push(Buffer.from('data: {"usage":{"prompt_tokens":1,"completion_tokens":1}}\n'));
    long.end();
    expect(long.usage).toEqual({ promptTokens: 1, completionTokens: 1 });
  });
});
