import { usageOf, type TokenUsage } from "../adapters/upstreams/recorder.js";
import type { StreamStart } from "../adapters/upstreams/upstream-client.js";

/** How a relayed stream ended. */
export type StreamEnd = "ok" | "stream_interrupted" | "timeout" | "too_large" | "cancelled";

/** The longest partial SSE line kept while looking for usage: a line longer than this is not a usage chunk. */
const MAX_LINE = 256 * 1024;

/**
 * Watches an SSE byte stream for the `usage` object OpenAI-compatible
 * servers send in a final chunk (with stream_options.include_usage). It
 * reads copies of the bytes only; what the caller receives is untouched.
 */
export class SseUsageTap {
  private readonly decoder = new TextDecoder();
  /** The line so far; appended to piece by piece (V8 joins strings lazily) and read once, when it ends. */
  private partial = "";
  /** The current line passed MAX_LINE: dropped up to its end. */
  private skipping = false;
  usage: TokenUsage | null = null;

  push(bytes: Uint8Array): void {
    const text = this.decoder.decode(bytes, { stream: true });
    let start = 0;
    for (let newline = text.indexOf("\n"); newline !== -1; newline = text.indexOf("\n", start)) {
      if (!this.skipping) this.line(this.partial + text.slice(start, newline));
      this.partial = "";
      this.skipping = false;
      start = newline + 1;
    }
    if (this.skipping) return;
    if (this.partial.length + text.length - start > MAX_LINE) {
      this.partial = "";
      this.skipping = true;
    } else this.partial += text.slice(start);
  }

  end(): void {
    if (!this.skipping) this.line(this.partial + this.decoder.decode());
    this.partial = "";
  }

  private line(raw: string): void {
    if (!raw.startsWith("data:") || !raw.includes('"usage"')) return;
    try {
      this.usage = usageOf(JSON.parse(raw.slice(5).trim())) ?? this.usage;
    } catch {
      // not JSON ([DONE], a torn line): no usage in it
    }
  }
}

/**
 * The caller's stream: the upstream's first chunk, then every chunk as it
 * arrives, unbuffered (highWaterMark 0: a chunk is read from upstream only
 * when the caller's side asks for one) and byte for byte (but for a key the
 * transport scrubbed out). A caller that goes away cancels the upstream
 * call; a stream idle past `idleTimeoutMs` is cut, as the transport cuts one
 * past gateway.maxStreamMs or maxStreamBytes; an upstream that breaks off
 * mid-stream breaks the caller's stream too (nothing can be retried once
 * bytes were sent). `onEnd` runs once.
 */
export function relayStream(
  start: StreamStart,
  options: {
    idleTimeoutMs: number;
    onEnd: (end: StreamEnd, usage: TokenUsage | null) => void;
    /** Cuts the caller's connection (so it sees the break) and says whether it could; otherwise the stream errors. */
    breakCaller?: () => boolean;
  },
): ReadableStream<Uint8Array> {
  const tap = new SseUsageTap();
  let first: Uint8Array | null = start.first;
  let ended = false;
  const finish = (end: StreamEnd) => {
    if (ended) return;
    ended = true;
    start.release();
    if (end === "ok") tap.end();
    options.onEnd(end, tap.usage);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (first !== null) {
          tap.push(first);
          controller.enqueue(first);
          first = null;
          return;
        }
        let idle = false;
        const timer = setTimeout(() => {
          idle = true;
          start.abort("timeout");
        }, options.idleTimeoutMs);
        try {
          const { done, value } = await start.reader.read();
          if (done) {
            finish("ok");
            controller.close();
            return;
          }
          tap.push(value);
          controller.enqueue(value);
        } catch {
          if (ended) return;
          const cut = start.cutReason();
          finish(cut === "cancelled" ? "cancelled" : idle || cut === "timeout" ? "timeout" : cut === "too_large" ? "too_large" : "stream_interrupted");
          // The caller must see a broken stream, not a clean end: cut its connection when the server lets us
          // (quietly), else error the stream (with a bare message: never the socket's details).
          if (options.breakCaller?.()) controller.close();
          else controller.error(new Error("the upstream broke off the stream"));
        } finally {
          clearTimeout(timer);
        }
      },
      cancel() {
        finish("cancelled");
        start.abort("cancelled");
      },
    },
    { highWaterMark: 0 },
  );
}
