/**
 * How calls are cut into forward passes in the priority lane. A pass costs
 * about the characters the model reads (each text up to maxInputChars), plus
 * a fixed part that makes a short text cost like MIN_TEXT_CHARS.
 */

/** What a very short text costs in a pass: the fixed work every row and every pass carry. */
export const MIN_TEXT_CHARS = 64;

/** Consecutive runs of at most `size` texts. */
export function sliceByCount(texts: readonly string[], size: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < texts.length; i += size) out.push(texts.slice(i, i + size));
  return out;
}

/**
 * Consecutive runs of texts whose cost adds up to at most `budget`
 * characters (at least one text each), so a slice takes about the same time
 * whatever the texts: a handful of long ones or dozens of short ones.
 */
export function sliceByWork(texts: readonly string[], budget: number, maxInputChars: number): string[][] {
  const out: string[][] = [];
  let run: string[] = [];
  let cost = 0;
  for (const text of texts) {
    const own = Math.max(MIN_TEXT_CHARS, Math.min(text.length, maxInputChars));
    if (run.length > 0 && cost + own > budget) {
      out.push(run);
      run = [];
      cost = 0;
    }
    run.push(text);
    cost += own;
  }
  if (run.length > 0) out.push(run);
  return out;
}
