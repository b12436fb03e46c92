import type { Server } from "node:http";
import net from "node:net";
import type { Logger } from "pino";
import type { Config } from "../base/config/config-schema.js";
import type { Lifecycle } from "./lifecycle.js";

/**
 * The graceful shutdown of a listening service, once per process: drain
 * (readiness says 503 at once and every response closes its connection, so
 * load balancers and keep-alive clients move away while requests are still
 * answered), then the cutover (hold new requests, let the ones in flight
 * finish, close the listener once the event loop has accepted everyone who
 * connected: no connection reset in the accept queue), then stop every
 * component. Resolves when it is safe to exit.
 */
export function gracefulShutdown(server: Server, lifecycle: Lifecycle, config: Pick<Config, "shutdown">, logger: Pick<Logger, "info" | "error">) {
  let stopping: Promise<void> | undefined;
  return (signal: string): Promise<void> =>
    (stopping ??= (async () => {
      lifecycle.draining = true;
      logger.info({ signal, drainMs: config.shutdown.drainMs }, "draining");
      await new Promise((r) => setTimeout(r, config.shutdown.drainMs));
      const { cutover } = lifecycle;
      cutover.hold();
      await cutover.idle(config.shutdown.timeoutMs);
      await quiet(server, 50, config.shutdown.timeoutMs);
      const closed = closeServer(server, config.shutdown.timeoutMs);
      cutover.open();
      await closed;
      try {
        await lifecycle.stop();
      } catch (err) {
        logger.error({ err }, "error during shutdown");
      }
      logger.info("stopped");
    })());
}

/** Null once the server listens; the error if it cannot (port taken, no permission, no such address). */
export function listened(server: Server): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    if (server.listening) return resolve(null);
    const onError = (err: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      resolve(err);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve(null);
    };
    server.once("error", onError);
    server.once("listening", onListening);
  });
}

export function describeListenError(err: NodeJS.ErrnoException, host: string, port: number): string {
  const where = `tierline: cannot listen on ${host}:${port}`;
  if (err.code === "EADDRINUSE") return `${where}: the port is already in use (EADDRINUSE): stop the process that holds it, or set PORT to a free one`;
  if (err.code === "EACCES") return `${where}: permission denied (EACCES): ports below 1024 need privileges; set PORT to 1024 or above`;
  if (err.code === "EADDRNOTAVAIL") return `${where}: no such address on this machine (EADDRNOTAVAIL): check HOST`;
  return `${where}: ${err.code ?? err.message}`;
}

/** Resolves once no new connection has arrived for quietMs (or after timeoutMs). */
function quiet(server: Server, quietMs: number, timeoutMs: number): Promise<void> {
  let last = Date.now();
  const mark = () => (last = Date.now());
  server.on("connection", mark);
  const until = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const check = () => {
      if (Date.now() - last >= quietMs || Date.now() >= until) {
        server.off("connection", mark);
        resolve();
      } else setTimeout(check, 5);
    };
    check();
  });
}

/**
 * Stops accepting and resolves when every open connection has ended. Node's
 * close() would also drop "idle" keep-alive sockets at once, racing a
 * request a client is sending on one; here idle sockets are closed only
 * after a grace second, when each client has had its answer with
 * Connection: close. Whatever is left is cut after timeoutMs.
 */
function closeServer(server: Server, timeoutMs: number, graceMs = 1_000): Promise<void> {
  return new Promise((resolve) => {
    let sweep: NodeJS.Timeout | undefined;
    const afterGrace = setTimeout(() => {
      server.closeIdleConnections();
      sweep = setInterval(() => server.closeIdleConnections(), 250);
    }, graceMs);
    const cut = setTimeout(() => server.closeAllConnections(), timeoutMs);
    // net.Server's close, not http.Server's: the latter also closes idle keep-alive sockets at once.
    net.Server.prototype.close.call(server, () => {
      clearTimeout(afterGrace);
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
  });
}
