import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/adapters/db/client.js";
import type { Encoder } from "../../src/adapters/embeddings/encoder.js";
import { buildDeps } from "../../src/app/deps.js";
import { normalizeQuery } from "../../src/base/text/normalize.js";
import { readExemplarDir } from "../../src/stores/exemplars/exemplar-files.js";
import { readShippedVectors } from "../../src/stores/exemplars/shipped-vectors.js";
import { databaseTargets } from "../helpers/databases.js";
import { defaultTestEncoder, testConfig } from "../helpers/runtime.js";

// Issue 22: a first start embedded all ~1,100 shipped exemplars (3.7 s of an 8.5 s cold start). Their vectors are
// committed beside them (exemplars/vectors/); these tests keep that file true to the exemplars and to the model.
const config = testConfig({ routing: { strategy: "second-stage", ood: { enabled: true } } });
const dir = path.resolve(config.exemplarsDir);
const shippedExemplars = readExemplarDir(
  dir,
  config.tiers.map((t) => t.name),
);

/** The model, counting every text it is asked to embed. */
function counting(inner: Encoder): Encoder & { texts: string[] } {
  const texts: string[] = [];
  return Object.assign(Object.create(inner) as Encoder, {
    texts,
    embed: (batch: readonly string[], options?: Parameters<Encoder["embed"]>[1]) => {
      texts.push(...batch);
      return inner.embed(batch, options);
    },
  });
}

describe("the vectors shipped with the exemplars", () => {
  const encoder = defaultTestEncoder();
  const shipped = readShippedVectors(path.join(dir, "vectors"), encoder.modelId, encoder.dimensions);

  it("cover every shipped exemplar for the default model (after editing exemplars/, run npm run exemplars:vectors)", () => {
    const stale = shippedExemplars.filter((e) => shipped.get(e.text) === undefined).map((e) => e.text.slice(0, 60));
    expect(stale).toEqual([]);
    expect(shipped.size).toBe(new Set(shippedExemplars.map((e) => normalizeQuery(e.text))).size);
  });

  it("are what the model computes for those texts", async () => {
    await encoder.load();
    const step = Math.floor(shippedExemplars.length / 12);
    const sample = shippedExemplars.filter((_, i) => i % step === 0);
    const vectors = await encoder.embed(sample.map((e) => normalizeQuery(e.text)));
    sample.forEach((e, i) => {
      const stored = shipped.get(e.text)!;
      const cosine = stored.reduce((s, x, j) => s + x * vectors[i]![j]!, 0);
      expect(cosine, e.text).toBeGreaterThan(0.99999);
    });
  });

  it("are not found for another model or an edited text", () => {
    expect(readShippedVectors(path.join(dir, "vectors"), "some-other-model@1", encoder.dimensions).size).toBe(0);
    expect(shipped.get(`${shippedExemplars[0]!.text} (edited)`)).toBeUndefined();
  });
});

describe.each(databaseTargets())("a first start on an empty $name database", (target) => {
  let database: DatabaseHandle | undefined;
  afterAll(async () => {
    await database?.close();
  });

  it("embeds none of the shipped exemplars, and routes with them", async () => {
    database = await target.open();
    const encoder = counting(defaultTestEncoder());
    const deps = await buildDeps(config, { logger: pino({ level: "silent" }), database, encoder });
    await deps.lifecycle.start();
    try {
      expect(deps.index.get()?.size).toBe(shippedExemplars.length);
      // The model's own warm-up pass is the only text it saw.
      expect(encoder.texts.filter((t) => t !== "warm-up")).toEqual([]);
      const decision = await deps.router.route({ query: "hi there" });
      expect(decision.tier).toBe("fast");
    } finally {
      await deps.lifecycle.stop();
    }
  });
});
