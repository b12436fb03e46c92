/** The part of a stream the bar writes to (process.stderr, or a fake in tests). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface ProgressBar {
  update(done: number, total: number): void;
  /** Ends the line; later updates are ignored. */
  finish(): void;
}

/**
 * A one-line progress bar on stderr, redrawn in place on a terminal. When
 * stderr is a file or a pipe it writes a line per tenth instead, so CI logs
 * show progress without thousands of carriage returns.
 */
export function createProgressBar(label: string, stream: ProgressStream = process.stderr, width = 30): ProgressBar {
  const started = performance.now();
  let lastTenth = -1;
  let finished = false;
  let drawn = false;
  return {
    update(done, total) {
      if (finished || total <= 0) return;
      const share = Math.min(1, Math.max(0, done / total));
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const line = `${label} [${"#".repeat(Math.round(share * width)).padEnd(width, ".")}] ${done}/${total} ${seconds}s`;
      if (stream.isTTY) {
        stream.write(`\r${line}`);
        drawn = true;
        return;
      }
      const tenth = Math.floor(share * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`${line}\n`);
      }
    },
    finish() {
      if (finished) return;
      finished = true;
      if (drawn) stream.write("\n");
    },
  };
}
