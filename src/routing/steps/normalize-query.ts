import { DomainError } from "../../base/errors.js";
import { boundedTextHash, normalizeBounded } from "../../base/text/normalize.js";
import { LruMap } from "../../base/util/lru.js";
import { estimateRequestTokens } from "../estimate.js";
import type { DecisionStep } from "../pipeline.js";

/** Thrown for a query that is empty after normalisation; the HTTP layer maps it to 400. */
export class EmptyQueryError extends DomainError {
  override name = "EmptyQueryError";
  readonly code = "empty_query" as const;
}

/** The one check for an empty query: the canonical text, cut to what the model reads; EmptyQueryError when nothing is left. */
export function normalizeQueryText(query: string, maxInputChars: number): { text: string; truncated: boolean } {
  const normalized = normalizeBounded(query, maxInputChars);
  if (normalized.text === "") throw new EmptyQueryError("the query is empty or whitespace only");
  return normalized;
}

/** Queries up to this many characters have their canonical text and hash remembered, the last MEMO_ENTRIES of them. */
const MEMO_MAX_CHARS = 512;
const MEMO_ENTRIES = 1024;

interface Canonical {
  text: string;
  truncated: boolean;
  textHash: string;
  maxChars: number;
}

/**
 * Canonical text, cut to what the model reads before any expensive work, so
 * a huge or hostile query costs a bounded amount of time. Its hash is taken
 * here too (the exact-repeat step looks it up). A short query seen lately
 * skips both: under repeated traffic NFKC and sha256 were about 4 % of the
 * main thread's work per cache hit (issue 22). At most about 2 MB held.
 */
export function normalizeStep(maxInputChars: () => number): DecisionStep {
  const memo = new LruMap<string, Canonical>(MEMO_ENTRIES);
  const canonical = (query: string): Canonical => {
    const maxChars = maxInputChars();
    const short = query.length <= MEMO_MAX_CHARS;
    const known = short ? memo.get(query) : undefined;
    if (known !== undefined && known.maxChars === maxChars) return known;
    const normalized = normalizeQueryText(query, maxChars);
    const fresh = { ...normalized, textHash: boundedTextHash(normalized), maxChars };
    if (short) memo.set(query, fresh);
    return fresh;
  };
  return {
    name: "normalize",
    run(ctx) {
      const given = ctx.request.normalized;
      const { text, truncated, textHash } = given ? { ...given, textHash: boundedTextHash(given) } : canonical(ctx.request.query);
      ctx.text = text;
      ctx.truncated = truncated;
      ctx.textHash = textHash;
      ctx.inputTokens = estimateRequestTokens(ctx.request);
    },
  };
}
