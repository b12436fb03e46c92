import path from "node:path";
import type { Config } from "../../base/config/config-schema.js";
import type { Encoder } from "./encoder.js";
import { createTransformersEncoder } from "./transformers-encoder.js";
import { createUseLiteEncoder } from "./use-lite-encoder.js";
import { createUseOnnxEncoder } from "./use-onnx-encoder.js";

/** What picks and places the model: plain data, so a worker thread can be given it too. */
export type EncoderSpec = Pick<Config, "embedding" | "dataDir">;

/** Picks the embedding runtime named by config.embedding.provider. */
export function createEncoder(config: EncoderSpec): Encoder {
  const { embedding } = config;
  switch (embedding.provider) {
    case "use-onnx":
      // The converted model is cached in <dataDir>/models/.
      return createUseOnnxEncoder({ dataDir: path.resolve(config.dataDir), variant: embedding.onnxVariant, intraOpNumThreads: embedding.threads });
    case "use-lite":
      return createUseLiteEncoder();
    case "transformers":
      return createTransformersEncoder({ model: embedding.model, modelPath: embedding.modelPath });
  }
}
