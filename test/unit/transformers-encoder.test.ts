import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { env } from "@huggingface/transformers";
import { createTransformersEncoder } from "../../src/adapters/embeddings/transformers-encoder.js";

// Count real model loads: every load goes through transformers.js's pipeline().
const loads = vi.hoisted(() => ({ count: 0 }));
vi.mock("@huggingface/transformers", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@huggingface/transformers")>();
  const pipeline = ((...args: Parameters<typeof actual.pipeline>) => {
    loads.count++;
    return actual.pipeline(...args);
  }) as typeof actual.pipeline;
  return { ...actual, pipeline };
});

const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures");
const fixtureDir = path.join(fixturesDir, "tiny-bert");

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));

const texts = [
  "what is the capital of france",
  "write a python function that sorts a list of numbers",
  "hello",
  "",
  "explain the proof of the theorem step by step",
  "the weather in london today",
  "sql query returns an error from the database server",
];

describe("createTransformersEncoder (tiny BERT fixture)", () => {
  const fetched: string[] = [];
  const realFetch = env.fetch;
  const encoder = createTransformersEncoder({ model: "tiny-bert", modelPath: fixtureDir, batchSize: 3 });

  beforeAll(() => {
    // Any hub request would go through env.fetch; local loads must make none.
    env.fetch = (async (input: unknown) => {
      fetched.push(String(input));
      throw new Error("network disabled in tests");
    }) as typeof env.fetch;
  });
  afterAll(() => {
    env.fetch = realFetch;
  });

  it("loads from the local directory without network access and reports the config width", async () => {
    const config = JSON.parse(await readFile(path.join(fixtureDir, "config.json"), "utf8")) as {
      hidden_size: number;
    };
    expect(encoder.modelId).toMatch(/^transformers:tiny-bert:fp32@[0-9a-f]{12}$/);
    await encoder.load();
    expect(encoder.dimensions).toBe(config.hidden_size);
    expect(encoder.maxInputChars).toBeGreaterThanOrEqual(128);
    expect(encoder.maxInputChars).toBeLessThan(100_000);
    expect(fetched).toEqual([]);
  });

  it("returns one unit vector per text, in input order", async () => {
    const batched = await encoder.embed(texts);
    expect(batched).toHaveLength(texts.length);
    for (const v of batched) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(encoder.dimensions);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    for (let i = 0; i < texts.length; i++) {
      const [single] = await encoder.embed([texts[i]!]);
      expect(dot(single!, batched[i]!)).toBeGreaterThan(1 - 1e-5);
    }
    expect(await encoder.embed([])).toEqual([]);
  });

  it("gives different texts clearly different vectors", async () => {
    const vs = await encoder.embed(texts);
    for (let i = 0; i < vs.length; i++) {
      for (let j = i + 1; j < vs.length; j++) expect(dot(vs[i]!, vs[j]!)).toBeLessThan(0.99);
    }
  });

  it("embeds a 100k-character input by truncating it to the model's window", async () => {
    const long = "the cat sat on the mat with a dog ".repeat(3000).slice(0, 100_000);
    expect(long.length).toBe(100_000);
    const [v, prefix] = await encoder.embed([long, long.slice(0, 2_000)]);
    expect(norm(v!)).toBeCloseTo(1, 5);
    // Both exceed 128 tokens, so both see the same first 128 tokens.
    expect(dot(v!, prefix!)).toBeGreaterThan(1 - 1e-5);
  });

  it("truncates to max_position_embeddings when the tokenizer declares no max length", async () => {
    // Many ONNX exports omit model_max_length; the plain pipeline then feeds
    // every token to the model and the position-embedding lookup overflows.
    const dir = await mkdtemp(path.join(tmpdir(), "tierline-tiny-bert-"));
    try {
      await cp(fixtureDir, dir, { recursive: true });
      const configPath = path.join(dir, "tokenizer_config.json");
      const { model_max_length: _, ...rest } = JSON.parse(await readFile(configPath, "utf8")) as Record<string, unknown>;
      await writeFile(configPath, JSON.stringify(rest));
      const enc = createTransformersEncoder({ model: "tiny-bert-nomax", modelPath: dir });
      const [v] = await enc.embed(["word! ".repeat(2_000)]);
      expect(norm(v!)).toBeCloseTo(1, 5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("loads once for concurrent first calls", async () => {
    const fresh = createTransformersEncoder({ model: "tiny-bert", modelPath: fixtureDir });
    const before = loads.count;
    const [a, b] = await Promise.all([fresh.embed(["hello"]), fresh.embed(["hello"]), fresh.load(), fresh.load()]);
    expect(loads.count - before).toBe(1);
    expect(dot(a![0]!, b![0]!)).toBeGreaterThan(1 - 1e-5);
    await fresh.embed(["again"]);
    expect(loads.count - before).toBe(1);
  });

  it("loads an offline hub id from cacheDir when allowRemote is false", async () => {
    const cached = createTransformersEncoder({ model: "tiny-bert", cacheDir: fixturesDir, allowRemote: false });
    const [v] = await cached.embed([texts[0]!]);
    const [expected] = await encoder.embed([texts[0]!]);
    expect(dot(v!, expected!)).toBeGreaterThan(1 - 1e-5);
    expect(fetched).toEqual([]);
  });

  it("rejects a bad model path with a clear error, and retries on the next call", async () => {
    const bad = createTransformersEncoder({ model: "missing", modelPath: "/nonexistent/tierline-model" });
    const before = loads.count;
    await expect(bad.load()).rejects.toThrow(/cannot load "missing".*\/nonexistent\/tierline-model/);
    await expect(bad.embed(["x"])).rejects.toThrow(/cannot load "missing"/);
    expect(loads.count - before).toBe(2);
    expect(fetched).toEqual([]);
  });

  it("recovers once a missing model file appears", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "tierline-tiny-bert-"));
    try {
      await cp(fixtureDir, dir, { recursive: true, filter: (src) => !src.endsWith(".onnx") });
      const enc = createTransformersEncoder({ model: "tiny-bert", modelPath: dir });
      await expect(enc.load()).rejects.toThrow(/model\.onnx/);
      await cp(path.join(fixtureDir, "onnx"), path.join(dir, "onnx"), { recursive: true });
      await enc.load();
      expect(enc.dimensions).toBe(encoder.dimensions);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("transformers encoder identity", () => {
  it("gives two local directories with the same label different model ids (cache keys never mix)", () => {
    const a = createTransformersEncoder({ model: "same-label", modelPath: "/models/a" });
    const b = createTransformersEncoder({ model: "same-label", modelPath: "/models/b" });
    expect(a.modelId).not.toBe(b.modelId);
    expect(createTransformersEncoder({ model: "Xenova/all-MiniLM-L6-v2" }).modelId).toBe("transformers:Xenova/all-MiniLM-L6-v2:fp32");
  });
});
