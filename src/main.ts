import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { createApp } from "./app/app.js";
import { collectGarbage } from "./base/util/collect-garbage.js";
import { ConfigError, loadConfig, loadSecrets } from "./base/config/load-config.js";
import { buildDeps } from "./app/deps.js";
import { WorkerEncoder } from "./adapters/embeddings/worker-encoder.js";
import { startTracing } from "./app/tracing.js";
import { createLogger } from "./base/logger.js";
import { describeListenError, gracefulShutdown, listened } from "./app/http-server.js";
import { ExemplarFileError } from "./stores/exemplars/exemplar-files.js";
import { UnconfiguredTiersError } from "./stores/exemplars/tier-labels.js";

/** loadConfig -> startTracing -> buildDeps -> listen -> start (model, index) -> graceful shutdown. */
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
  const logger = createLogger(config.logLevel, { secrets: secrets.values() });
  // Before anything is built, so every span of the service has a provider (a no-op while tracing is off).
  const stopTracing = await startTracing(config.tracing, logger);
  // The model loads in its worker thread while the database opens (PGlite: ~0.75 s of WASM start-up): the two
  // longest steps of a start side by side, not one after the other (issue 22: warm ready 2.4 s). A failure
  // here is reported by the model's start-up step, which asks again.
  const encoder = new WorkerEncoder(config);
  encoder.load().catch(() => {});
  let deps;
  try {
    deps = await buildDeps(config, { secrets, logger, encoder });
  } catch (err) {
    // A file the configuration names and the service cannot read (most often: started from another directory,
    // so a relative path points nowhere) is an operator's mistake: one line and exit 1, not an unhandled rejection.
    logger.fatal({ err }, "start-up failed");
    process.stderr.write(`${startupFailure(err)}\n`);
    // The model may still be loading in its thread; ending it mid-load would abort the process (SIGABRT).
    await encoder.close().catch(() => {});
    process.exit(1);
  }
  const { lifecycle } = deps;
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

  const shutdown = gracefulShutdown(server, lifecycle, config, logger);
  const onSignal = (signal: string) =>
    void shutdown(signal)
      .then(stopTracing)
      .then(() => process.exit(0));
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));

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
  // Start-up's garbage (embedding and indexing the exemplars), once: about 150 MB less RSS for the process's life.
  collectGarbage();
  await deps.database.collectGarbage?.().catch(() => {});
  logger.info({ ms: Math.round(performance.now() - started), exemplars: deps.index.get()?.size }, "ready");
  // A configured tier the decision rule can never choose is a configuration that cannot save what it promises.
  for (const u of deps.router.unreachableTiers()) logger.warn({ tier: u.tier }, `tier "${u.tier}" is unreachable: ${u.why}`);
}

/** One line for stderr: what failed and, for a file not found, where relative paths were looked up. */
function startupFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const hint = /ENOENT/.test(message) ? ` (relative paths in the configuration are read from the working directory, ${process.cwd()})` : "";
  return `tierline: cannot start: ${message}${hint}`;
}

void main();
