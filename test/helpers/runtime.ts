import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { createApp } from "../../src/app/app.js";
import type { Config } from "../../src/base/config/config-schema.js";
import { parseConfig } from "../../src/base/config/load-config.js";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import { buildDeps, type Deps } from "../../src/app/deps.js";
import { createEncoder } from "../../src/adapters/embeddings/create-encoder.js";
import type { Encoder } from "../../src/adapters/embeddings/encoder.js";
import type { ExemplarInput } from "../../src/stores/exemplars/exemplar-files.js";

export interface TestService {
  deps: Deps;
  app: ReturnType<typeof createApp>;
  config: Config;
  /** POST /route with a JSON body. */
  route(body: unknown, query?: string): Promise<Response>;
}

/**
 * The config a test service runs with: silent, with a data directory of its
 * own so index snapshots never leak between tests. Routing is the plain vote
 * without the OOD guard unless a test asks otherwise: the shipped second-stage
 * model and OOD thresholds are calibrated for the shipped exemplar set, not
 * for a test's handful of exemplars (tests of the defaults pass
 * `routing: { strategy: "second-stage", ood: { enabled: true } }` or use the shipped exemplars).
 */
export function testConfig(config: Record<string, unknown> = {}, env: Record<string, string> = {}): Config {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tierline-test-"));
  const routing = (config.routing ?? {}) as Record<string, unknown>;
  const ood = { enabled: false, ...((routing.ood ?? {}) as Record<string, unknown>) };
  return parseConfig({ logLevel: "silent", dataDir, ...config, routing: { strategy: "knn", ...routing, ood } }, env);
}

/** Deps built by the composition root over the given database and encoder, as main.ts builds them (not started). */
export function buildTestDeps(options: { config: Config; database: DatabaseHandle; encoder?: Encoder; exemplars?: ExemplarInput[] }): Promise<Deps> {
  return buildDeps(options.config, {
    logger: pino({ level: "silent" }),
    database: options.database,
    encoder: options.encoder,
    loadShippedExemplars: options.exemplars ? () => options.exemplars! : undefined,
  });
}

/** A started service + app over the given database and encoder. */
export async function startTestService(options: {
  database: DatabaseHandle;
  encoder?: Encoder;
  exemplars?: ExemplarInput[];
  config?: Record<string, unknown>;
  /** Environment as the service would see it (tokens, overrides). */
  env?: Record<string, string>;
}): Promise<TestService> {
  const config = testConfig(options.config, options.env);
  const deps = await buildTestDeps({ config, database: options.database, encoder: options.encoder, exemplars: options.exemplars });
  await deps.lifecycle.start();
  const app = createApp(deps);
  return {
    deps,
    app,
    config,
    route: (body, query = "") =>
      Promise.resolve(
        app.request(`/route${query}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: typeof body === "string" ? body : JSON.stringify(body),
        }),
      ),
  };
}
/** A small labelled set spanning the three tiers, for integration tests with the real model. */
export const sampleExemplars: ExemplarInput[] = [
  { text: "What is the capital of Germany?", tier: "fast" },
  { text: "What is the capital city of Japan?", tier: "fast" },
  { text: "how many days are in a leap year", tier: "fast" },
  { text: "Translate 'good morning' into Spanish", tier: "fast" },
  { text: "What is 15 times 4?", tier: "fast" },
  { text: "Who wrote Romeo and Juliet?", tier: "fast" },
  { text: "Convert 5 kilometres to miles", tier: "fast" },
  { text: "Write a Python function that merges two sorted lists", tier: "standard" },
  { text: "Draft a polite email asking my landlord to fix the heating", tier: "standard" },
  { text: "Summarise the following paragraph in three bullet points", tier: "standard" },
  { text: "Explain the difference between TCP and UDP with examples", tier: "standard" },
  { text: "Write a SQL query that returns the top five customers by revenue", tier: "standard" },
  { text: "Write a product description for a stainless steel water bottle", tier: "standard" },
  { text: "Prove that there are infinitely many primes and generalise the argument to arithmetic progressions", tier: "premium" },
  { text: "Design a globally distributed payment ledger with exactly-once semantics and analyse its failure modes", tier: "premium" },
  { text: "Analyse the antitrust risks of this merger under EU competition law, weighing the precedents", tier: "premium" },
  { text: "Derive the optimal portfolio under transaction costs and prove the solution is unique", tier: "premium" },
  { text: "Write a detailed threat model for a multi-tenant Kubernetes platform with untrusted workloads", tier: "premium" },
  { text: "Critically evaluate the statistical methodology of a randomised trial with heavy dropout", tier: "premium" },
];

/**
 * The default model (USE lite on onnxruntime), as `npm start` runs it. The
 * converted model is cached in one temp directory shared by all test files
 * (written atomically), so it is converted once per machine, not per test.
 */
export function defaultTestEncoder(): Encoder {
  return createEncoder({ embedding: parseConfig({}).embedding, dataDir: path.join(tmpdir(), "tierline-test-models") });
}
