import { describe, expect, it } from "vitest";
import { createProgressBar } from "../../eval/lib/progress-bar.js";

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (c: string) => chunks.push(c) } };
}

describe("createProgressBar", () => {
  it("redraws one line in place on a terminal and ends it on finish", () => {
    const { chunks, stream } = fakeStream(true);
    const bar = createProgressBar("embedding", stream, 10);
    bar.update(5, 10);
    bar.update(10, 10);
    bar.finish();
    bar.update(10, 10);
    expect(chunks).toHaveLength(3);
    expect(chunks[0]).toMatch(/^\rembedding \[#{5}\.{5}\] 5\/10 /);
    expect(chunks[1]).toMatch(/\[#{10}\] 10\/10/);
    expect(chunks[2]).toBe("\n");
  });

  it("writes at most one line per tenth when not on a terminal", () => {
    const { chunks, stream } = fakeStream(false);
    const bar = createProgressBar("routing", stream);
    for (let i = 1; i <= 200; i++) bar.update(i, 200);
    bar.finish();
    expect(chunks.length).toBe(11); // 0.0 … 1.0 in tenths, no trailing newline needed
    expect(chunks.every((c) => c.endsWith("\n"))).toBe(true);
  });

  it("ignores an empty total", () => {
    const { chunks, stream } = fakeStream(true);
    createProgressBar("x", stream).update(0, 0);
    expect(chunks).toEqual([]);
  });
});
