import type { Server } from "node:http";
import v8 from "node:v8";
import vm from "node:vm";
import { serve } from "@hono/node-server";
import { createApp } from "./app/app.js";
import { ConfigError, loadConfig, loadSecrets } from "./base/config/load-config.js";
import { buildDeps } from "./app/deps.js";
import { ExemplarFileError } from "./stores/exemplars/exemplar-files.js";
import { UnconfiguredTiersError } from "./stores/exemplars/tier-labels.js";

/** loadConfig -> buildDeps -> listen -> start (model, index) -> graceful shutdown. */
async function main(): Promise<void> {
  let config;
  let secrets;
  try {
    config = loadConfig();
    secrets = loadSecrets(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const deps = await buildDeps(config, { secrets });
  const { logger, lifecycle } = deps;
  const app = createApp(deps);

  // Listen first: /healthz answers and /readyz says "starting" while the model loads.
  const { http } = config;
  const server = serve(
    {
      fetch: app.fetch,
      port: config.port,
      hostname: config.host,
      serverOptions: {
        headersTimeout: http.headersTimeoutMs,
        requestTimeout: http.bodyTimeoutMs,
        keepAliveTimeout: http.keepAliveTimeoutMs,
        // How often Node looks for connections past those timeouts (its default, 30 s, lets slow clients linger).
        connectionsCheckingInterval: 1_000,
      },
    },
    (info) => logger.info({ port: info.port, database: deps.database.kind, model: deps.encoder.modelId }, "listening"),
  ) as Server;
  // A port already taken is an operator's mistake: one line and exit 1, not an unhandled 'error' event's stack trace.
  const listenError = await listened(server);
  if (listenError !== null) {
    logger.fatal({ code: listenError.code, host: config.host, port: config.port }, "cannot listen");
    process.stderr.write(`${describeListenError(listenError, config.host, config.port)}\n`);
    await lifecycle.stop().catch(() => {});
    process.exit(1);
  }
  server.on("error", (err) => logger.error({ err }, "server error"));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Drain: readiness says 503 at once and every response closes its connection, so load
    // balancers and keep-alive clients move away while requests are still being answered.
    lifecycle.draining = true;
    logger.info({ signal, drainMs: config.shutdown.drainMs }, "draining");
    await new Promise((r) => setTimeout(r, config.shutdown.drainMs));
    // Cutover: hold new requests, let the ones in flight finish, and close the listener once the
    // event loop has accepted everyone who connected (no connection reset in the accept queue).
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
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  const started = performance.now();
  try {
    await lifecycle.start();
  } catch (err) {
    logger.fatal({ err }, "start-up failed");
    // A mistake of the operator's, not a fault: say it plainly too (the log line is JSON).
    if (err instanceof UnconfiguredTiersError || err instanceof ExemplarFileError) process.stderr.write(`${err.message}\n`);
    await lifecycle.stop().catch(() => {});
    process.exit(1);
  }
  collectStartupGarbage();
  logger.info({ ms: Math.round(performance.now() - started), exemplars: deps.index.get()?.size }, "ready");
  // A configured tier the decision rule can never choose is a configuration that cannot save what it promises.
  for (const u of deps.router.unreachableTiers()) logger.warn({ tier: u.tier }, `tier "${u.tier}" is unreachable: ${u.why}`);
}

/**
 * Start-up (converting the model, embedding the exemplars, building the
 * index) leaves a large heap of garbage behind that V8, left alone, keeps
 * committed for the life of the process: collecting it once makes the
 * serving process about 150 MB smaller (measured: 447 -> 280 MB idle,
 * 586 -> 407 MB peak at concurrency 64, cold start on PGlite).
 */
function collectStartupGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

/** Null once the server listens; the error if it cannot (port taken, no permission, no such address). */
function listened(server: Server): Promise<NodeJS.ErrnoException | null> {
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

function describeListenError(err: NodeJS.ErrnoException, host: string, port: number): string {
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
    const closeIdle = server.closeIdleConnections.bind(server);
    server.closeIdleConnections = () => {};
    let sweep: NodeJS.Timeout | undefined;
    const afterGrace = setTimeout(() => {
      closeIdle();
      sweep = setInterval(closeIdle, 250);
    }, graceMs);
    const cut = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearTimeout(afterGrace);
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
  });
}

void main();
