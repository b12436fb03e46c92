/**
 * What PostgreSQL refuses to store in a text value: U+0000, and a UTF-16
 * surrogate without its pair (it has no UTF-8 form; a JSON parameter holding
 * `\ud800` fails the whole statement). Input is checked against this up
 * front (a 400 naming the field), so no such value is ever acknowledged and
 * then refused by a write behind the request.
 */
export function isStorableText(s: string): boolean {
  // String.prototype.isWellFormed is native from Node 20 (ES2024; this project's lib is ES2023).
  return !s.includes("\0") && (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

export const UNSTORABLE_TEXT_MESSAGE = "must not contain NUL (\\u0000) or an unpaired surrogate (\\ud800-\\udfff)";

/**
 * The path of the first string (or object key) in a JSON value that
 * PostgreSQL could not store, or null: for documents kept whole (jsonb),
 * whose schema lives where this module cannot be imported.
 */
export function unstorablePath(value: unknown, path: Array<string | number> = []): Array<string | number> | null {
  if (typeof value === "string") return isStorableText(value) ? null : path;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = unstorablePath(v, [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const found = isStorableText(k) ? unstorablePath(v, [...path, k]) : [...path, k];
      if (found) return found;
    }
  }
  return null;
}
