import { createHash } from "node:crypto";

/**
 * Canonical form of a query before it is embedded: Unicode NFKC, whitespace
 * runs collapsed to one space, trimmed. Case is kept: "US" and "us" differ.
 */
export function normalizeQuery(text: string): string {
  return text.normalize("NFKC").replace(/\s+/gu, " ").trim();
}

/** sha256 of the normalised text; identifies exact duplicates. */
export function textHash(text: string): string {
  return createHash("sha256").update(normalizeQuery(text)).digest("hex");
}
