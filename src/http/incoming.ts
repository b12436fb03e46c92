import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "hono";
import type { AppEnv } from "./app-env.js";

/**
 * The Node request under a hono context, when the app runs behind
 * @hono/node-server (undefined under `app.request()` in tests). Reading
 * `c.req.raw.body` or `.signal` makes node-server build a full WHATWG Request
 * (a web stream over the socket, an AbortController) on every request; the
 * middleware that only needs to know whether the body was read, how long it
 * says it is, or whether the client left asks the Node request instead, and
 * the body is parsed by node-server's direct path (issue 22: this was a third
 * of the cost of a cache hit).
 */
export function incomingOf(c: Context<AppEnv>): IncomingMessage | undefined {
  return nodeBindings(c)?.incoming;
}

/** The Node response under a hono context, as incomingOf. */
export function outgoingOf(c: Context<AppEnv>): ServerResponse | undefined {
  return nodeBindings(c)?.outgoing;
}

const nodeBindings = (c: Context<AppEnv>) => c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;

/** Whether a request carries a body at all (a declared length above 0, or chunked). */
export function hasBody(incoming: IncomingMessage): boolean {
  const length = incoming.headers["content-length"];
  return incoming.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/**
 * Reads and drops what is left of a Node request's body, up to `limit`; true
 * when it was read to its end (or had been: the parser saw the whole message).
 */
export function discardIncoming(incoming: IncomingMessage, limit: { bytes: number; ms: number }): Promise<boolean> {
  if (incoming.complete || incoming.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    let read = 0;
    const finish = (whole: boolean) => {
      clearTimeout(timer);
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      if (!whole) incoming.pause();
      resolve(whole);
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > limit.bytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = () => finish(false);
    const timer = setTimeout(() => finish(false), limit.ms);
    incoming.on("data", onData);
    incoming.once("end", onEnd);
    incoming.once("error", onError);
    incoming.resume();
  });
}
