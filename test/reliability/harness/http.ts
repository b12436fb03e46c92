import http from "node:http";

export interface HttpRequest {
  method: string;
  /** Path and query string, sent as is (no re-encoding), so malformed escapes reach the server. */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Whole-exchange deadline; past it the request counts as a timeout and the socket is destroyed. */
  timeoutMs?: number;
  /** false: a fresh connection (Connection: close). Default: a shared keep-alive agent. */
  agent?: http.Agent | false;
}

/**
 * What happened to one request. `status` is null when no response arrived:
 * then `error` says why (`refused`: nothing listening; `reset`: the
 * connection broke with the request in flight; `timeout`: our deadline).
 */
export interface HttpResult {
  status: number | null;
  headers: http.IncomingHttpHeaders;
  /** The body, kept up to 8 MB. */
  body: Buffer;
  /** Body bytes received, all of them (the kept body stops at 8 MB). */
  bytes: number;
  /** ms from start to the end of the body (or the error). */
  ms: number;
  /** performance.now() at start and end. */
  startedAt: number;
  endedAt: number;
  /** performance.now() when the response head arrived. */
  headersAt?: number;
  /** `client`: the request could not even be built (a bug in the case, not the service). */
  error?: "refused" | "reset" | "timeout" | "other" | "client";
  errorMessage?: string;
  /** The request went out on a kept-alive socket (a reset then may be a stale socket). */
  reusedSocket: boolean;
  /** On a reused socket: the status line of the previous answer on that connection (e.g. a 413 after which the server dropped it). */
  previousOnConnection?: string;
}

/** Idle keep-alive sockets are dropped after 2 s, well before the server's keep-alive timeout, so a reused socket is never one the server is closing. */
export function keepAliveAgent(maxSockets = 64): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, timeout: 2000 });
}

const sharedAgent = keepAliveAgent(64);
const guarded = Symbol("error-guarded");
/** The last answer seen on each connection, for diagnosing resets on reused connections. */
const lastOnSocket = new WeakMap<object, string>();
const MAX_KEPT_BODY = 8 * 1024 * 1024;

export function send(base: string, req: HttpRequest): Promise<HttpResult> {
  const url = new URL(base);
  const startedAt = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    let reused = false;
    let previousOnConnection: string | undefined;
    let sock: object | undefined;
    let headersAt: number | undefined;
    let received = 0;
    const finish = (r: Omit<HttpResult, "ms" | "startedAt" | "endedAt" | "reusedSocket" | "headersAt" | "bytes">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const endedAt = performance.now();
      if (sock && r.status !== null) lastOnSocket.set(sock, `${r.status} (${req.method} ${req.path.slice(0, 60)}, Connection: ${r.headers.connection ?? "-"})`);
      resolve({ ...r, bytes: received, ms: endedAt - startedAt, startedAt, endedAt, headersAt, reusedSocket: reused, previousOnConnection });
    };
    const headers: Record<string, string | string[]> = { ...req.headers };
    if (req.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-length" || h.toLowerCase() === "transfer-encoding")) {
      headers["content-length"] = String(Buffer.byteLength(req.body));
    }
    let r: http.ClientRequest;
    try {
      r = http.request({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent: req.agent === undefined ? sharedAgent : req.agent });
    } catch (err) {
      const endedAt = performance.now();
      resolve({
        status: null,
        headers: {},
        body: Buffer.alloc(0),
        bytes: 0,
        error: "client",
        errorMessage: (err as Error).message,
        ms: endedAt - startedAt,
        startedAt,
        endedAt,
        reusedSocket: false,
      });
      return;
    }
    const timer = setTimeout(() => {
      finish({ status: null, headers: {}, body: Buffer.alloc(0), error: "timeout", errorMessage: `no complete answer within ${req.timeoutMs} ms` });
      r.destroy();
    }, req.timeoutMs ?? 30_000);
    r.once("socket", (socket) => {
      reused = r.reusedSocket;
      sock = socket;
      previousOnConnection = reused ? lastOnSocket.get(socket) : undefined;
      // A server that answers early (413) and closes while the body is still going out makes the socket emit
      // EPIPE after this request is done; the request's own outcome is recorded above, so swallow it here.
      if (!(socket as unknown as Record<symbol, boolean>)[guarded]) {
        (socket as unknown as Record<symbol, boolean>)[guarded] = true;
        socket.on("error", () => {});
      }
    });
    r.on("response", (res) => {
      headersAt = performance.now();
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on("data", (c: Buffer) => {
        received += c.length;
        if (kept < MAX_KEPT_BODY) {
          chunks.push(c);
          kept += c.length;
        }
      });
      res.on("end", () => finish({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", (err) => finish({ status: null, headers: res.headers, body: Buffer.concat(chunks), ...classify(err) }));
      res.on("aborted", () => finish({ status: null, headers: res.headers, body: Buffer.concat(chunks), error: "reset", errorMessage: "response aborted mid-body" }));
    });
    r.on("error", (err) => {
      // A server may answer early (a 413 before the body is read) and close while the body is still going out:
      // the write then fails with EPIPE, but an answer that arrived whole is the answer (RFC 9112 §9.6). So once
      // a response head is here, its own end or abort decides; the error counts only if neither comes.
      if (headersAt === undefined) finish({ status: null, headers: {}, body: Buffer.alloc(0), ...classify(err) });
      else setTimeout(() => finish({ status: null, headers: {}, body: Buffer.alloc(0), ...classify(err) }), 250);
    });
    if (req.body !== undefined) r.end(req.body);
    else r.end();
  });
}

function classify(err: NodeJS.ErrnoException): Pick<HttpResult, "error" | "errorMessage"> {
  const code = err.code ?? "";
  if (code === "ECONNREFUSED") return { error: "refused", errorMessage: code };
  if (code === "ECONNRESET" || code === "EPIPE" || code === "ECONNABORTED" || /socket hang up|aborted/i.test(err.message)) {
    return { error: "reset", errorMessage: `${code} ${err.message}`.trim() };
  }
  return { error: "other", errorMessage: `${code} ${err.message}`.trim() };
}

/** The body as JSON, or undefined when it is not JSON. */
export function jsonOf<T = any>(res: HttpResult): T | undefined {
  try {
    return JSON.parse(res.body.toString("utf8")) as T;
  } catch {
    return undefined;
  }
}

export interface Envelope {
  error: { code: string; message: string; requestId: string };
}

/** The error envelope `{ error: { code, message, requestId } }`, or undefined when the body is not one. */
export function envelopeOf(res: HttpResult): Envelope["error"] | undefined {
  const body = jsonOf<Envelope>(res);
  const e = body?.error;
  if (!e || typeof e.code !== "string" || e.code === "" || typeof e.message !== "string" || typeof e.requestId !== "string" || e.requestId === "") return undefined;
  return e;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const jsonHeaders = { "content-type": "application/json" };

/** One-line description of an outcome for failure lists. */
export function outcome(res: HttpResult): string {
  if (res.status === null) return `${res.error}: ${res.errorMessage ?? ""}`;
  const env = envelopeOf(res);
  return env ? `${res.status} ${env.code}: ${env.message.slice(0, 160)}` : `${res.status} ${res.body.toString("utf8").slice(0, 160)}`;
}
