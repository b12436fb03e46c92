import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Encoder } from "../../src/adapters/embeddings/encoder.js";
import { createUseLiteEncoder } from "../../src/adapters/embeddings/use-lite-encoder.js";
import { createUseOnnxEncoder } from "../../src/adapters/embeddings/use-onnx-encoder.js";
import { useOnnxFileName } from "../../src/adapters/embeddings/use-onnx/onnx-model-file.js";
import { variedTexts } from "../fixtures/use-onnx-texts.js";

// The ONNX encoder converts the TF.js model shipped in the npm package itself
// (here into a scratch data directory) and must reproduce the TF.js reference.

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const cosines = (a: Float32Array[], b: Float32Array[]) => a.map((v, i) => dot(v, b[i]!) / Math.sqrt(dot(v, v) * dot(b[i]!, b[i]!)));

describe("USE lite on onnxruntime vs the TF.js reference", () => {
  const texts = variedTexts();
  let dataDir: string;
  let onnx: Encoder;
  let reference: Float32Array[];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "tierline-use-onnx-eq-"));
    onnx = createUseOnnxEncoder({ dataDir });
    reference = await createUseLiteEncoder().embed(texts);
  }, 120_000);
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("converts on first load, once for concurrent callers, into <dataDir>/models", async () => {
    await Promise.all([onnx.load(), onnx.load(), onnx.embed(["warm"])]);
    const files = await readdir(path.join(dataDir, "models"));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^use-lite-.*-fp32\.onnx$/);
  });

  it("has its own model id (cache keys never mix with TF.js vectors) and the TF.js adapter's limits", () => {
    const tf = createUseLiteEncoder();
    expect(onnx.modelId).toMatch(/^use-lite-onnx@/);
    expect(onnx.modelId).not.toBe(tf.modelId);
    expect(onnx.dimensions).toBe(512);
    expect(onnx.maxInputChars).toBe(tf.maxInputChars);
  });

  it(`matches TF.js with cosine >= 0.999 on every one of ${texts.length} varied texts (fp32)`, async () => {
    expect(texts.length).toBeGreaterThanOrEqual(200);
    const cos = cosines(await onnx.embed(texts), reference);
    const worst = cos.map((c, i) => ({ c, text: texts[i]!.slice(0, 60) })).filter((x) => !(x.c >= 0.999));
    expect(worst).toEqual([]);
    expect(Math.min(...cos)).toBeGreaterThan(0.99999); // in practice float rounding only
  });

  it("embeds a text alone and inside a batch to the same vector", async () => {
    const batched = await onnx.embed(texts);
    const sample = texts.filter((_, i) => i % 4 === 0);
    const alone = await Promise.all(sample.map(async (t) => (await onnx.embed([t]))[0]!));
    const maxDiff = Math.max(...alone.flatMap((v, i) => Array.from(v, (x, j) => Math.abs(x - batched[i * 4]![j]!))));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it("returns one vector per input even for token-less texts, equal to TF.js's in-batch padding row", async () => {
    const [empty, hello, emptyAgain] = await onnx.embed(["", "hello", ""]);
    const tfEmpty = (await createUseLiteEncoder().embed(["", "hello"]))[0]!;
    expect(dot(empty!, tfEmpty)).toBeGreaterThan(0.999);
    expect(Array.from(emptyAgain!)).toEqual(Array.from(empty!));
    expect(dot(hello!, hello!)).toBeCloseTo(1, 5);
  });

  it("does not cache a failed load: the next call retries", async () => {
    const blocked = path.join(dataDir, "not-a-directory");
    await writeFile(blocked, "a file where the data directory should be");
    const encoder = createUseOnnxEncoder({ dataDir: blocked });
    await expect(encoder.load()).rejects.toThrow();
    await rm(blocked);
    await expect(encoder.load()).resolves.toBeUndefined();
  });

  it("rebuilds a cached model file that does not load", async () => {
    const other = await mkdtemp(path.join(tmpdir(), "tierline-use-onnx-corrupt-"));
    await mkdir(path.join(other, "models"));
    await writeFile(path.join(other, "models", useOnnxFileName("fp32")), "not an onnx model");
    try {
      const [rebuilt] = await createUseOnnxEncoder({ dataDir: other }).embed(["hello"]);
      const [expected] = await onnx.embed(["hello"]);
      expect(dot(rebuilt!, expected!)).toBeGreaterThan(0.99999);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("int8 variant: its own model id and file, close to the reference (min cosine > 0.99)", async () => {
    const int8 = createUseOnnxEncoder({ dataDir, variant: "int8" });
    expect(int8.modelId).toMatch(/^use-lite-onnx-int8@/);
    const sample = texts.filter((_, i) => i % 2 === 0);
    const cos = cosines(
      await int8.embed(sample),
      reference.filter((_, i) => i % 2 === 0),
    );
    expect(Math.min(...cos)).toBeGreaterThan(0.99);
  });
});
