import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { loadSecrets } from "../../src/base/config/load-config.js";
import { buildDeps, type DepsOverrides } from "../../src/app/deps.js";
import { createApp } from "../../src/app/app.js";
import pino, { type Logger } from "pino";
import { defaultTestEncoder, sampleExemplars, testConfig, type TestService } from "./runtime.js";

export interface GatewayTestService extends TestService {
  /** POST /v1/chat/completions with a JSON body (and optional headers, signal). */
  chat(body: unknown, init?: { headers?: Record<string, string>; signal?: AbortSignal }): Promise<Response>;
  /** GET with an optional bearer token. */
  get(path: string, token?: string): Promise<Response>;
}

/**
 * A started service with gateway config, its keys resolved from `env` as
 * main.ts resolves them from the environment, the real default model and
 * the sample exemplars.
 */
export async function startGatewayService(options: {
  database: DatabaseHandle;
  config: Record<string, unknown>;
  env?: Record<string, string>;
  logger?: Logger;
  verifiers?: DepsOverrides["verifiers"];
}): Promise<GatewayTestService> {
  const env = options.env ?? {};
  const config = testConfig(options.config, env);
  const deps = await buildDeps(config, {
    logger: options.logger ?? pino({ level: "silent" }),
    database: options.database,
    encoder: defaultTestEncoder(),
    loadShippedExemplars: () => sampleExemplars,
    secrets: loadSecrets(config, env),
    verifiers: options.verifiers,
  });
  await deps.lifecycle.start();
  const app = createApp(deps);
  const post = (path: string, body: unknown, init: { headers?: Record<string, string>; signal?: AbortSignal } = {}) =>
    Promise.resolve(
      app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json", ...init.headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
        signal: init.signal,
      }),
    );
  return {
    deps,
    app,
    config,
    route: (body, query = "") => post(`/route${query}`, body),
    chat: (body, init) => post("/v1/chat/completions", body, init),
    get: (path, token) => Promise.resolve(app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} })),
  };
}

/** A chat body asking one question. */
export const ask = (question: string, extra: Record<string, unknown> = {}) => ({ model: "tierline", messages: [{ role: "user", content: question }], ...extra });

/** Queries the sample exemplars route with a clear vote (checked by route-api tests). */
export const easyQuestion = "What is the capital city of Italy?";
export const hardQuestion = "Prove that there are infinitely many primes and generalise the argument to arithmetic progressions of any modulus";

/** The app on a real socket on 127.0.0.1 (disconnects and streaming go over one): its base URL, and a close that cuts every connection. */
export async function listen(app: { fetch: (request: Request) => Response | Promise<Response> }): Promise<{ base: string; close(): Promise<void> }> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  await new Promise((r) => server.once("listening", r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
