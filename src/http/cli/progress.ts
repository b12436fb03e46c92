/** One carriage-return-prefixed progress line: `[#####-----]  50% 500/1000 12.3 s`. */
export function renderProgress(done: number, total: number, elapsedMs: number, width = 30): string {
  const ratio = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  const pct = String(Math.round(ratio * 100)).padStart(3);
  return `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${pct}% ${done}/${total} ${(elapsedMs / 1000).toFixed(1)} s`;
}
