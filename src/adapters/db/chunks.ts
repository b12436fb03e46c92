/**
 * Rows per multi-row INSERT. A statement binds at most 65,535 parameters;
 * 500 rows stays far below that for every table here.
 */
export const INSERT_CHUNK = 500;

/** Consecutive slices of at most `size` items, for batched statements. */
export function chunks<T>(items: readonly T[], size = INSERT_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
