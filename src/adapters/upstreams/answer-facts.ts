import { redactBytes } from "../../base/config/redact.js";
import { answerText } from "./prompts.js";
import { usageOf, type TokenUsage } from "./recorder.js";

/** What the gateway needs from a non-streamed answer: whether it is a JSON object, its usage, its text. */
export interface AnswerFacts {
  /** The body is a JSON object (a cascade can add its `tierline` field to it). */
  object: boolean;
  usage: TokenUsage | null;
  /** The first choice's text (null for tool calls, refusals, anything else). */
  text: string | null;
}

/** An answer as the caller gets it: keys scrubbed out, and what was read from it. */
export interface InspectedAnswer {
  body: Uint8Array;
  facts: AnswerFacts;
}

/**
 * Scrubs keys out of a 2xx answer and parses it once for its usage and text.
 * Pure and synchronous: run inline for small bodies, in the answer worker
 * for large ones (answer-reader.ts). Nothing here recurses over the parsed
 * value, so an upstream's deeply nested JSON cannot overflow the stack.
 */
export function inspectAnswer(bytes: Uint8Array, secrets: readonly string[]): InspectedAnswer {
  const body = redactBytes(bytes, secrets);
  let json: unknown = null;
  try {
    json = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
  } catch {
    // not JSON: forwarded as it came, no usage
  }
  const object = json !== null && typeof json === "object" && !Array.isArray(json);
  return { body, facts: { object, usage: usageOf(json), text: answerText(json) } };
}

/**
 * The answer with `fields` added to its top-level object, written into the
 * bytes rather than re-serialised: the upstream's own JSON (however large
 * or deep) is never stringified again. Null when the body is not an object.
 */
export function addFields(answer: InspectedAnswer, fields: Record<string, unknown>): Uint8Array | null {
  if (!answer.facts.object) return null;
  const bytes = answer.body;
  let close = bytes.byteLength - 1;
  while (close >= 0 && isSpace(bytes[close]!)) close--;
  if (close < 0 || bytes[close] !== 0x7d) return null;
  let before = close - 1;
  while (before >= 0 && isSpace(bytes[before]!)) before--;
  const empty = before >= 0 && bytes[before] === 0x7b;
  const inserted = Object.entries(fields)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join(",");
  return Buffer.concat([bytes.subarray(0, close), Buffer.from(`${empty ? "" : ","}${inserted}`), bytes.subarray(close)]);
}

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
