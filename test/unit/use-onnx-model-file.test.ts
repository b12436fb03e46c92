import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONVERTER_VERSION, ensureUseOnnxModel, useModelPackageVersion, useOnnxFileName } from "../../src/adapters/embeddings/use-onnx/onnx-model-file.js";

describe("ensureUseOnnxModel (the converted-model cache in <dataDir>/models)", () => {
  let dataDir: string;
  const modelsDir = () => path.join(dataDir, "models");

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "tierline-use-onnx-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("names the file after the model package version, the converter version and the variant", () => {
    expect(useOnnxFileName("fp32")).toBe(`use-lite-${useModelPackageVersion}-c${CONVERTER_VERSION}-fp32.onnx`);
    expect(useOnnxFileName("int8")).not.toBe(useOnnxFileName("fp32"));
  });

  it("converts once, then reuses the file; drops stale conversions of the same variant only", async () => {
    const stale = path.join(modelsDir(), "use-lite-0.0.1-c0-fp32.onnx");
    const otherVariant = path.join(modelsDir(), "use-lite-0.0.1-c0-int8.onnx");
    const unrelated = path.join(modelsDir(), "notes.txt");

    const file = await ensureUseOnnxModel({ dataDir, variant: "fp32" });
    expect(path.basename(file)).toBe(useOnnxFileName("fp32"));
    const first = await stat(file);
    expect(first.size).toBeGreaterThan(20_000_000); // every fp32 weight is in the file

    await Promise.all([writeFile(stale, "old"), writeFile(otherVariant, "old"), writeFile(unrelated, "keep")]);
    expect(await ensureUseOnnxModel({ dataDir, variant: "fp32" })).toBe(file);
    expect((await stat(file)).mtimeMs).toBe(first.mtimeMs); // not rewritten

    await ensureUseOnnxModel({ dataDir, variant: "fp32", rebuild: true });
    const names = await readdir(modelsDir());
    expect(names.sort()).toEqual([path.basename(otherVariant), "notes.txt", useOnnxFileName("fp32")].sort());
    expect(names.some((n) => n.endsWith(".tmp"))).toBe(false);
  });
});
