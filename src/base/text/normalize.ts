import { createHash } from "node:crypto";

/**
 * A run of more than 30 combining marks is cut to 30 (Unicode's stream-safe
 * text format, UAX #15): no real text needs more, and NFKC reorders marks
 * in time quadratic in the run's length, so one request of a million marks
 * could otherwise stall the process for a minute.
 */
const COMBINING_RUN = /(\p{M}{30})\p{M}+/gu;
const WHITESPACE = /\s+/gu;

/**
 * Canonical form of a query before it is embedded: Unicode NFKC, whitespace
 * runs collapsed to one space, trimmed. Case is kept: "US" and "us" differ.
 * Linear in the input's length, whatever it holds.
 */
export function normalizeQuery(text: string): string {
  return text.replace(COMBINING_RUN, "$1").normalize("NFKC").replace(WHITESPACE, " ").trim();
}

/**
 * The canonical form of at most the first `maxChars` characters a model
 * reads. The raw text is cut before the expensive steps (NFKC, hashing), so
 * the work per request is bounded by maxChars, not by the body size; the
 * result equals normalizeQuery(text).slice(0, maxChars) for any real text.
 */
export function normalizeBounded(text: string, maxChars: number): { text: string; truncated: boolean } {
  // Leading blanks are dropped first (a query padded with megabytes of them
  // stays routable); past that, the slack covers what whitespace collapsing
  // and NFKC remove from any real text.
  let raw = text.trimStart();
  const rawLimit = maxChars * 4 + 64;
  let cut = false;
  if (raw.length > rawLimit) {
    const end = isHighSurrogate(raw.charCodeAt(rawLimit - 1)) ? rawLimit - 1 : rawLimit;
    raw = raw.slice(0, end);
    cut = true;
  }
  const normalized = normalizeQuery(raw);
  if (normalized.length <= maxChars) return { text: normalized, truncated: cut };
  const end = isHighSurrogate(normalized.charCodeAt(maxChars - 1)) ? maxChars - 1 : maxChars;
  return { text: normalized.slice(0, end), truncated: true };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** sha256 of the normalised text; identifies exact duplicates. */
export function textHash(text: string): string {
  return sha256Hex(normalizeQuery(text));
}

/**
 * textHash of what normalizeBounded returned, without normalising it a second time: a whole canonical text is its
 * own normal form. A cut one may end in a space that normalising would trim, so it takes the long way.
 */
export function boundedTextHash(normalized: { text: string; truncated: boolean }): string {
  return normalized.truncated ? textHash(normalized.text) : sha256Hex(normalized.text);
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
