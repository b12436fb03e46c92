import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fake OpenAI-compatible upstream on 127.0.0.1 (node:http), scriptable per
 * request: latency before the headers, status codes, 429 with Retry-After,
 * random failures, a slow first byte, streams that break off part-way, a
 * connection reset. It records every request (body, headers, whether the
 * caller went away) and every byte it sent, so tests can compare bytes.
 */

export interface Behaviour {
  /** Delay before the status line and headers. */
  latencyMs?: number;
  /** Answer with this status and `errorBody` (or a small JSON error). */
  status?: number;
  errorBody?: string;
  retryAfter?: string;
  /** 0..1: answer 500 for this share of requests (every 1/rate-th request, or at random with `randomFailures`). */
  failureRate?: number;
  randomFailures?: boolean;
  /** Destroy the socket without answering. */
  reset?: boolean;
  /** Streams: delay between the headers and the first body byte. */
  firstByteDelayMs?: number;
  /** Streams: delay between chunks. */
  chunkIntervalMs?: number;
  /** Streams: destroy the socket after this many chunks. */
  breakAfterChunks?: number;
  /** The assistant's reply; default "answer from <model>". */
  reply?: string;
  /** Usage to report; null: none (default: words of the prompt and of the reply). */
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  /** Non-streamed: send exactly this body (200, application/json) instead of a generated answer. */
  body?: string;
  /** Non-streamed: pad the answer (a `padding` field) to about this many bytes. */
  answerBytes?: number;
  /** Non-streamed: write the answer one byte at a time, this many ms apart (a trickle). */
  trickleMs?: number;
  /** Non-streamed: send the answer chunked, without Content-Length. */
  chunked?: boolean;
  /** Streams: write exactly these pieces (chunkIntervalMs apart) instead of the generated events. */
  rawChunks?: string[];
  /** Streams: after the answer's events, keep sending keep-alive comments every chunkIntervalMs (or 50 ms) until the caller goes. */
  endless?: boolean;
  /** Streams: events of about this many bytes each, sent without pause until the caller goes (a firehose). */
  floodChunkBytes?: number;
}

export interface SeenRequest {
  n: number;
  body: Record<string, unknown>;
  headers: IncomingMessage["headers"];
  /** The caller closed the connection before the answer was complete. */
  callerGone: boolean;
  /** The connection this request came on has closed (a kept-alive one stays open after a complete answer). */
  connectionClosed: boolean;
  /** The bytes of the answer body as written. */
  sent: Buffer[];
}

export type Script = Behaviour | ((request: { n: number; body: Record<string, unknown> }) => Behaviour);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FakeUpstream {
  readonly requests: SeenRequest[] = [];
  script: Script = {};
  private server: Server | null = null;
  private port = 0;
  private count = 0;

  /** The base URL to configure (…/v1). */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    // One close listener per request on a kept-alive socket: no leak warning for that.
    this.server.on("connection", (socket) => socket.setMaxListeners(0));
    this.server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port || this.port, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** An outage: the port stops answering (connections refused) until start() again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Requests seen so far (answered, failed or abandoned). */
  get seen(): number {
    return this.requests.length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    const n = ++this.count;
    const seen: SeenRequest = { n, body, headers: req.headers, callerGone: false, connectionClosed: false, sent: [] };
    this.requests.push(seen);
    req.socket.once("close", () => (seen.connectionClosed = true));
    res.on("close", () => {
      if (!res.writableFinished) seen.callerGone = true;
    });
    const b = typeof this.script === "function" ? this.script({ n, body }) : this.script;
    if (b.latencyMs) await sleep(b.latencyMs);
    if (res.destroyed) return;
    if (b.reset) {
      req.socket.destroy();
      return;
    }
    const rate = b.failureRate ?? 0;
    const failing = rate > 0 && (b.randomFailures ? Math.random() < rate : n % Math.round(1 / rate) === 0);
    if (b.status !== undefined || failing) {
      const status = b.status ?? 500;
      res.writeHead(status, { "content-type": "application/json", ...(b.retryAfter !== undefined && { "retry-after": b.retryAfter }) });
      res.end(b.errorBody ?? JSON.stringify({ error: { message: `scripted ${status}`, type: "fake" } }));
      return;
    }
    const model = String(body.model);
    const reply = b.reply ?? `answer from ${model}`;
    const promptWords = JSON.stringify(body.messages ?? []).split(/\s+/).length;
    const usage = b.usage === undefined ? { prompt_tokens: promptWords, completion_tokens: reply.split(/\s+/).length } : b.usage;
    const id = `chatcmpl-fake-${n}`;
    if (body.stream !== true) {
      const answer = {
        id,
        object: "chat.completion",
        created: 1,
        model,
        choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }],
        ...(usage && { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }),
      };
      const whole = b.trickleMs === undefined && !b.chunked;
      if (b.answerBytes !== undefined && b.trickleMs === undefined) return void (await writePadded(res, answer, b.answerBytes, whole, seen));
      const bytes = Buffer.from(b.body ?? JSON.stringify(answer));
      seen.sent.push(bytes);
      res.writeHead(200, { "content-type": "application/json", ...(whole && { "content-length": String(bytes.length) }) });
      if (b.trickleMs === undefined) return void res.end(bytes);
      for (let i = 0; i < bytes.length && !res.destroyed; i++) {
        res.write(bytes.subarray(i, i + 1));
        await sleep(b.trickleMs);
      }
      if (!res.destroyed) res.end();
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.flushHeaders();
    if (b.firstByteDelayMs) await sleep(b.firstByteDelayMs);
    const events = b.rawChunks ?? streamEvents(id, model, reply, (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true ? usage : null);
    for (let i = 0; i < events.length; i++) {
      if (res.destroyed) return;
      if (b.breakAfterChunks !== undefined && i >= b.breakAfterChunks) {
        req.socket.destroy();
        return;
      }
      const bytes = Buffer.from(events[i]!);
      seen.sent.push(bytes);
      res.write(bytes);
      if (b.chunkIntervalMs && i < events.length - 1) await sleep(b.chunkIntervalMs);
    }
    if (b.floodChunkBytes !== undefined) {
      const event = Buffer.from(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "y".repeat(b.floodChunkBytes) } }] })}\n\n`);
      // Written as fast as the socket drains, until the caller goes.
      while (!res.destroyed) if (!res.write(event)) await drained(res);
      return;
    }
    while (b.endless && !res.destroyed) {
      res.write(": keep-alive\n\n");
      await sleep(b.chunkIntervalMs ?? 50);
    }
    if (!res.destroyed) res.end();
  }
}

/** Resolves when the response can take more, or has closed (each listener removed again: no pile-up over a long answer). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Bodies up to this size are kept in `sent` (byte comparisons); larger padded answers are written without being kept. */
const KEEP_SENT = 16 * 1024 * 1024;

/**
 * An answer padded (a leading `padding` field) to about `total` bytes,
 * written in 64 KB pieces as the socket drains: a 300 MB answer costs the
 * fake no 300 MB buffer.
 */
async function writePadded(res: ServerResponse, answer: object, total: number, declareLength: boolean, seen: SeenRequest): Promise<void> {
  const head = Buffer.from('{"padding":"');
  const tail = Buffer.from(`",${JSON.stringify(answer).slice(1)}`);
  const padding = Math.max(0, total - head.length - tail.length);
  res.writeHead(200, { "content-type": "application/json", ...(declareLength && { "content-length": String(head.length + padding + tail.length) }) });
  const piece = Buffer.alloc(64 * 1024, "x");
  const keep = head.length + padding + tail.length <= KEEP_SENT;
  const write = async (bytes: Buffer) => {
    if (keep) seen.sent.push(bytes);
    if (!res.write(bytes)) await drained(res);
  };
  await write(head);
  for (let left = padding; left > 0 && !res.destroyed; left -= piece.length) await write(left >= piece.length ? piece : piece.subarray(0, left));
  if (res.destroyed) return;
  await write(tail);
  res.end();
}

/** The SSE events of a streamed answer: role, one chunk per word, finish, usage when asked, [DONE]. */
function streamEvents(id: string, model: string, reply: string, usage: { prompt_tokens: number; completion_tokens: number } | null): string[] {
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const words = reply.split(" ");
  return [
    chunk({ role: "assistant", content: "" }),
    ...words.map((w, i) => chunk({ content: i === 0 ? w : ` ${w}` })),
    chunk({}, "stop"),
    ...(usage
      ? [
          `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1, model, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } })}\n\n`,
        ]
      : []),
    "data: [DONE]\n\n",
  ];
}
