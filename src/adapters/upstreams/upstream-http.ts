import http, { type IncomingMessage } from "node:http";
import https from "node:https";

/**
 * The gateway's HTTP client: node:http(s) on keep-alive agents rather than
 * fetch. With fetch the socket is out of reach, and Node's bundled undici
 * does not always honour an abort while a body is being read: issue 20 saw
 * a trickled answer hold a request for over ten minutes after its timeout
 * had fired. Here every exchange has a `cut` that destroys the socket at
 * once and settles whatever was waiting on it, without waiting for any
 * event from the stream: a timer, a size limit or the caller leaving always
 * frees the connection.
 */

export interface UpstreamAgents {
  http: http.Agent;
  https: https.Agent;
}

/**
 * Idle keep-alive sockets are closed after 4 s (undici's default too), before
 * common server keep-alive timeouts (Node's 5 s) close them under a request.
 */
export const createUpstreamAgents = (): UpstreamAgents => ({
  http: new http.Agent({ keepAlive: true, timeout: 4_000 }),
  https: new https.Agent({ keepAlive: true, timeout: 4_000 }),
});

/** Why an exchange was cut short. */
export type CutReason = "timeout" | "too_large" | "cancelled";

/** Thrown (rejected) into whatever waited on a cut exchange. */
export class CutError extends Error {
  constructor(readonly reason: CutReason) {
    super(`upstream exchange cut: ${reason}`);
    this.name = "CutError";
  }
}

/** One POST in flight. */
export class UpstreamExchange {
  /** Set once the exchange was cut; the first reason wins. */
  reason: CutReason | null = null;
  private req: http.ClientRequest | null = null;
  private rejectCut!: (err: CutError) => void;
  private readonly cutPromise = new Promise<never>((_, reject) => (this.rejectCut = reject));

  constructor() {
    this.cutPromise.catch(() => {});
  }

  /**
   * Sends the request; resolves with the response head. A socket reused from
   * the pool that the server closed meanwhile (ECONNRESET before any answer)
   * is retried once on a fresh connection: nothing reached the server.
   */
  send(url: string, payload: string, headers: Record<string, string>, agents: UpstreamAgents): Promise<IncomingMessage> {
    const target = new URL(url);
    const secure = target.protocol === "https:";
    const body = Buffer.from(payload);
    const attempt = (retry: boolean): Promise<IncomingMessage> =>
      new Promise<IncomingMessage>((resolve, reject) => {
        const req = (secure ? https : http).request(target, {
          method: "POST",
          agent: secure ? agents.https : agents.http,
          headers: { ...headers, "content-length": String(body.length) },
        });
        this.req = req;
        let answered = false;
        req.on("error", (err: NodeJS.ErrnoException) => {
          if (answered) return;
          if (retry && req.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE") && this.reason === null) resolve(attempt(false));
          else reject(err);
        });
        req.on("response", (res) => {
          answered = true;
          // Errors after the head surface through reads (and cuts); an unheard 'error' event would end the process.
          res.on("error", () => {});
          resolve(res);
        });
        req.end(body);
      });
    return this.race(attempt(true));
  }

  /** Ends the exchange now: the socket is destroyed and every pending wait rejects with CutError. */
  cut(reason: CutReason): void {
    if (this.reason !== null) return;
    this.reason = reason;
    this.req?.destroy();
    this.rejectCut(new CutError(reason));
  }

  /** Gives the socket up without a reason (an error body read far enough): not reusable, not an error. */
  discard(): void {
    this.req?.destroy();
  }

  /** `promise`, unless the exchange is cut first. */
  race<T>(promise: Promise<T>): Promise<T> {
    promise.catch(() => {});
    return Promise.race([promise, this.cutPromise]);
  }
}

/** Chunks of a response body, each read only when asked for, every read bounded by the exchange's cut. */
export class BodyChunks {
  private readonly iterator: AsyncIterator<Buffer>;

  constructor(
    res: IncomingMessage,
    private readonly exchange: UpstreamExchange,
  ) {
    this.iterator = res[Symbol.asyncIterator]();
  }

  async read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }> {
    const next = await this.exchange.race(this.iterator.next());
    return next.done ? { done: true } : { done: false, value: next.value };
  }
}

/**
 * The whole body, or null once it passes `maxBytes` (the exchange is then cut
 * as too_large). A declared Content-Length over the limit is refused unread.
 */
export async function readWhole(res: IncomingMessage, exchange: UpstreamExchange, maxBytes: number): Promise<Uint8Array | null> {
  const declared = Number(res.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    exchange.cut("too_large");
    return null;
  }
  // A declared length is read straight into its buffer: half the memory a list of chunks and a concat would churn.
  const whole = Number.isInteger(declared) && declared >= 0 ? Buffer.allocUnsafe(declared) : null;
  const chunks = new BodyChunks(res, exchange);
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const next = await chunks.read();
    if (next.done) return whole === null ? Buffer.concat(parts, size) : whole.subarray(0, size);
    const at = size;
    size += next.value.byteLength;
    if (size > maxBytes) {
      exchange.cut("too_large");
      return null;
    }
    // Node's parser never delivers more than a declared Content-Length.
    if (whole !== null) whole.set(next.value, at);
    else parts.push(next.value);
  }
}

/** The first `maxBytes` of a body (an error's: enough for a provider's message); `truncated` when more was left unread. */
export async function readPrefix(res: IncomingMessage, exchange: UpstreamExchange, maxBytes: number): Promise<{ body: Uint8Array; truncated: boolean }> {
  const chunks = new BodyChunks(res, exchange);
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const next = await chunks.read();
    if (next.done) return { body: Buffer.concat(parts, size), truncated: false };
    parts.push(next.value);
    size += next.value.byteLength;
    if (size >= maxBytes) {
      exchange.discard();
      return { body: Buffer.concat(parts, size).subarray(0, maxBytes), truncated: true };
    }
  }
}
