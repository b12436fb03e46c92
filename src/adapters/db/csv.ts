/**
 * Rows as CSV for COPY (FORMAT csv): every value quoted (so an empty string
 * is not NULL), NULL as an unquoted empty field, dates as ISO 8601, arrays
 * as PostgreSQL array literals. NUL, which PostgreSQL cannot store and the
 * API refuses on input, is dropped rather than failing a whole batch.
 */
export function toCsv<R extends object>(rows: readonly R[], keys: ReadonlyArray<keyof R>): string {
  let out = "";
  for (const row of rows) out += keys.map((k) => field(row[k])).join(",") + "\n";
  return out;
}

function field(value: unknown): string {
  if (value === null || value === undefined) return "";
  let s: string;
  if (value instanceof Date) s = value.toISOString();
  else if (Array.isArray(value)) s = `{${value.map((v) => (v === null ? "NULL" : `"${String(v).replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(",")}}`;
  else s = String(value);
  return `"${s.replaceAll("\u0000", "").replace(/"/g, '""')}"`;
}
