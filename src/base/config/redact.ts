/**
 * Cuts upstream API keys out of text that leaves the service (logs, error
 * bodies, answers) in every form an upstream might echo one: whole, as a
 * prefix (a provider quoting the first characters of a key it refused),
 * JSON-escaped (`\u0073k-…`, `\/`), and cut off by a body's truncation.
 */

const REDACTED = "[redacted]";
/** Keys shorter than this are not keys anyone would use, and would mangle text. */
const MIN_KEY = 8;
/**
 * A key's first characters count as the key from this many on: long enough
 * to hold secret characters past a provider's public prefix ("sk-proj-").
 */
const MIN_PREFIX = 12;
/** At the end of a cut body, a key's first characters count from this many on (the rest was cut off). */
const MIN_TAIL = 6;

const JSON_ESCAPES: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const ESCAPE = /\\(?:u([0-9a-fA-F]{4})|([\s\S]))/g;

/**
 * The text with its backslash escapes decoded, and a map back to the raw
 * text: `raw(i)` is where the decoded character i starts in it. Breakpoints
 * are kept per escape only, so memory follows the escapes, not the text.
 */
function decodedView(text: string): { text: string; raw: (i: number) => number } {
  if (!text.includes("\\")) return { text, raw: (i) => i };
  const decodedAt: number[] = [0];
  const rawAt: number[] = [0];
  let shift = 0;
  const decoded = text.replace(ESCAPE, (whole: string, hex: string | undefined, char: string | undefined, offset: number) => {
    const out = hex !== undefined ? String.fromCharCode(Number.parseInt(hex, 16)) : (JSON_ESCAPES[char!] ?? char!);
    shift += whole.length - 1;
    decodedAt.push(offset + whole.length - shift);
    rawAt.push(offset + whole.length);
    return out;
  });
  const raw = (i: number) => {
    let lo = 0;
    let hi = decodedAt.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (decodedAt[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return rawAt[lo]! + (i - decodedAt[lo]!);
  };
  return { text: decoded, raw };
}

/** Spans [start, end) of the decoded text that hold a key or a long enough prefix of one (at the end of a cut text, a shorter one). */
function keySpans(text: string, key: string, truncated: boolean, spans: Array<[number, number]>): void {
  const head = key.slice(0, Math.min(MIN_PREFIX, key.length));
  for (let at = text.indexOf(head); at !== -1; ) {
    let end = at + head.length;
    while (end < text.length && end - at < key.length && text[end] === key[end - at]) end++;
    spans.push([at, end]);
    at = text.indexOf(head, end);
  }
  if (!truncated) return;
  for (let len = Math.min(head.length - 1, text.length); len >= MIN_TAIL; len--) {
    if (text.endsWith(key.slice(0, len))) {
      spans.push([text.length - len, text.length]);
      return;
    }
  }
}

/**
 * `text` with every key in it replaced by "[redacted]". `truncated`: the text
 * was cut at a length limit, so a key's first characters at its very end are
 * a key split by the cut. Returns the same string when nothing was found.
 */
export function redactSecrets(text: string, secrets: readonly string[], options: { truncated?: boolean } = {}): string {
  const keys = secrets.filter((s) => s.length >= MIN_KEY);
  if (keys.length === 0 || text.length < MIN_TAIL) return text;
  const view = decodedView(text);
  const spans: Array<[number, number]> = [];
  for (const key of keys) keySpans(view.text, key, options.truncated === true, spans);
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last !== undefined && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push([span[0], span[1]]);
  }
  let out = "";
  let from = 0;
  for (const [start, end] of merged) {
    out += text.slice(from, view.raw(start)) + REDACTED;
    from = end >= view.text.length ? text.length : view.raw(end);
  }
  return out + text.slice(from);
}

/** `redactSecrets` on UTF-8 bytes; the same bytes (not a copy) when nothing was found. */
export function redactBytes(bytes: Uint8Array, secrets: readonly string[], options: { truncated?: boolean } = {}): Uint8Array {
  if (!secrets.some((s) => s.length >= MIN_KEY)) return bytes;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  const redacted = redactSecrets(text, secrets, options);
  return redacted === text ? bytes : Buffer.from(redacted);
}

/** How many bytes a streamed partial line may grow to before it is passed on anyway (scrubbed as a cut text). */
const MAX_HELD = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * Redaction for a byte stream (an SSE answer). Keys never span a line, so
 * complete lines are scrubbed and passed on, and a partial line is held
 * until its end arrives: upstreams that send whole events (every common
 * server) see their chunks passed on unchanged and at once. A partial line
 * past 64 KB is passed on but for a tail as long as any key could be.
 */
export class StreamRedactor {
  private held: Uint8Array = new Uint8Array(0);
  private readonly keep: number;

  constructor(private readonly secrets: readonly string[]) {
    // A key written wholly as \uXXXX escapes takes six bytes a character.
    this.keep = Math.max(0, ...secrets.map((s) => s.length * 6));
  }

  /** What may be sent now (possibly empty). */
  push(chunk: Uint8Array): Uint8Array {
    if (this.keep === 0) return chunk;
    const bytes = this.held.byteLength === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    if (lastNewline >= 0) {
      const whole = lastNewline === bytes.byteLength - 1;
      this.held = whole ? new Uint8Array(0) : Uint8Array.from(bytes.subarray(lastNewline + 1));
      return redactBytes(whole ? bytes : bytes.subarray(0, lastNewline + 1), this.secrets);
    }
    if (bytes.byteLength <= MAX_HELD) {
      this.held = bytes;
      return new Uint8Array(0);
    }
    this.held = Uint8Array.from(bytes.subarray(bytes.byteLength - this.keep));
    return redactBytes(bytes.subarray(0, bytes.byteLength - this.keep), this.secrets, { truncated: true });
  }

  /** The held rest, at the stream's end. */
  end(): Uint8Array {
    const rest = this.held;
    this.held = new Uint8Array(0);
    return rest.byteLength === 0 ? rest : redactBytes(rest, this.secrets, { truncated: true });
  }
}
