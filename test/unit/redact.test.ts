import { describe, expect, it } from "vitest";
import { redactBytes, redactSecrets, StreamRedactor } from "../../src/base/config/redact.js";

const KEY = "sk-proj-Zq81xLmN0pQrStUv4WxYz0123456789";
const escaped = (s: string) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
/** Any run of the key's characters long enough to matter. */
const leaks = (text: string) => text.includes(KEY.slice(0, 12)) || text.includes(KEY.slice(8, 20));

describe("key redaction (issue 20, fault 10)", () => {
  it("cuts the whole key and a prefix of it, extended as far as the key goes", () => {
    expect(redactSecrets(`key ${KEY}!`, [KEY])).toBe("key [redacted]!");
    expect(redactSecrets(`Incorrect API key provided: ${KEY.slice(0, 20)}…`, [KEY])).toBe("Incorrect API key provided: [redacted]…");
    // The provider's public prefix alone is no secret.
    expect(redactSecrets("keys start with sk-proj-", [KEY])).toBe("keys start with sk-proj-");
  });

  it("cuts a key written with JSON escapes, wholly or in part, and leaves the JSON valid", () => {
    const body = JSON.stringify({ error: { message: "placeholder" } }).replace(
      "placeholder",
      `bad key ${escaped(KEY)} and ${KEY.slice(0, 4)}${escaped(KEY.slice(4, 16))}${KEY.slice(16)}; url https:\\/\\/x`,
    );
    const out = redactSecrets(body, [KEY]);
    const message: string = JSON.parse(out).error.message;
    expect(leaks(message)).toBe(false);
    expect(message).toBe("bad key [redacted] and [redacted]; url https://x");
    // An escaped backslash followed by "u0073" is not an escape of "s".
    expect(redactSecrets(`\\\\u0073${KEY.slice(1)}`, [KEY])).toBe(`\\\\u0073${KEY.slice(1)}`);
  });

  it("cuts a key's first characters at the very end of a text cut at a limit, and only there", () => {
    expect(redactSecrets(`…message ${KEY.slice(0, 9)}`, [KEY], { truncated: true })).toBe("…message [redacted]");
    expect(redactSecrets(`…message ${KEY.slice(0, 9)}`, [KEY])).toBe(`…message ${KEY.slice(0, 9)}`);
  });

  it("leaves text without keys, and short 'keys', alone (the same string or bytes back)", () => {
    const text = "nothing to see";
    expect(redactSecrets(text, [KEY])).toBe(text);
    expect(redactSecrets("a short pw here", ["short"])).toBe("a short pw here");
    const bytes = Buffer.from(`{"a":"b"}`);
    expect(redactBytes(bytes, [KEY])).toBe(bytes);
    expect(Buffer.from(redactBytes(Buffer.from(`{"k":"${KEY}"}`), [KEY])).toString()).toBe('{"k":"[redacted]"}');
  });

  it("scrubs a stream whose key is split across chunks, and passes whole events on at once and unchanged", () => {
    const redactor = new StreamRedactor([KEY]);
    const event = Buffer.from('data: {"choices":[]}\n\n');
    expect(redactor.push(event)).toBe(event);
    const line = `data: {"content":"${KEY}"}\n\n`;
    const parts = [line.slice(0, 20), line.slice(20, 30), line.slice(30)].map((p) => Buffer.from(p));
    const out = parts.map((p) => Buffer.from(redactor.push(p)).toString());
    expect(out.slice(0, 2)).toEqual(["", ""]); // held until the line ends
    expect(out.join("")).toBe('data: {"content":"[redacted]"}\n\n');
    // A stream that ends inside a key: its first characters are cut too.
    expect(redactor.push(Buffer.from(`data: ${KEY.slice(0, 10)}`)).byteLength).toBe(0);
    expect(Buffer.from(redactor.end()).toString()).toBe("data: [redacted]");
  });

  it("passes a partial line past 64 KB on, scrubbed, holding back only a key's length", () => {
    const redactor = new StreamRedactor([KEY]);
    const long = `${"x".repeat(70_000)}${KEY}${"y".repeat(10)}`;
    const first = Buffer.from(redactor.push(Buffer.from(long))).toString();
    const rest = Buffer.from(redactor.end()).toString();
    expect(first.length).toBeGreaterThan(60_000);
    expect(leaks(first + rest)).toBe(false);
    expect((first + rest).endsWith("y".repeat(10))).toBe(true);
  });
});
