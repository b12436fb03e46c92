import type { Config } from "../config.js";
import type { Encoder } from "./encoder.js";
import { createTransformersEncoder } from "./transformers-encoder.js";
import { createUseLiteEncoder } from "./use-lite-encoder.js";

/** Picks the embedding runtime named by config.embedding.provider. */
export function createEncoder(config: Config["embedding"]): Encoder {
  switch (config.provider) {
    case "use-lite":
      return createUseLiteEncoder();
    case "transformers":
      return createTransformersEncoder({ model: config.model, modelPath: config.modelPath });
  }
}
