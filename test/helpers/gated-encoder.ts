import type { Encoder } from "../../src/adapters/embeddings/encoder.js";
import { createFakeEncoder } from "./fake-encoder.js";

/**
 * A model whose forward passes wait until the test lets them finish: tests
 * of queueing, priority and cancellation decide the order of events
 * themselves instead of sleeping. `calls` lists every pass's texts in the
 * order the passes started; `release()` finishes the oldest pass still held.
 * `clock` is a fake time source that advances `msPerText` per text of each
 * pass as it finishes (for work estimates). Created `open`, passes run at
 * once until hold() (so a service can start on it).
 */
export function createGatedEncoder(options: { dimensions?: number; msPerText?: number; open?: boolean } = {}): Encoder & {
  calls: string[][];
  held(): number;
  /** Resolves once a pass is waiting at the gate. */
  passStarted(): Promise<void>;
  release(): Promise<void>;
  releaseAll(): Promise<void>;
  /** From now on passes wait for release() (the default unless created with `open: true`). */
  hold(): void;
  clock: () => number;
} {
  const fake = createFakeEncoder({ dimensions: options.dimensions ?? 8 });
  const gates: Array<() => void> = [];
  let now = 0;
  let open = options.open ?? false;
  let started: (() => void) | undefined;
  /** Resolves once a pass is waiting at the gate (a pass starts asynchronously, after the lane has picked it). */
  const passWaiting = () => (gates.length > 0 ? Promise.resolve() : new Promise<void>((resolve) => (started = resolve)));
  const encoder = {
    ...fake,
    calls: [] as string[][],
    clock: () => now,
    held: () => gates.length,
    passStarted: passWaiting,
    hold: () => {
      open = false;
    },
    async embed(texts: readonly string[]) {
      encoder.calls.push([...texts]);
      if (!open) {
        await new Promise<void>((resolve) => {
          gates.push(resolve);
          started?.();
          started = undefined;
        });
      }
      now += texts.length * (options.msPerText ?? 10);
      return fake.embed(texts);
    },
    async release() {
      await passWaiting();
      gates.shift()!();
      // Let the lane take the result and start its next pass.
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    },
    async releaseAll() {
      while (gates.length > 0) await encoder.release();
    },
  };
  return encoder;
}
