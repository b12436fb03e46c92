import type { SecondStageModel } from "../../src/routing/second-stage/model.js";

/**
 * The model file as people read it: the decision settings first, one feature
 * per line, one weight per line, the training record last. Plain JSON: the
 * router parses it with JSON.parse and the model's schema.
 */
export function formatModelJson(model: SecondStageModel): string {
  const j = (v: unknown) => JSON.stringify(v);
  const inline = (v: unknown) => JSON.stringify(v).replace(/,"/g, ', "').replace(/":/g, '": ').replace(/^\{/, "{ ").replace(/\}$/, " }");
  const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);
  const boundaries = model.boundaries.map((b) => {
    const weights = Object.entries(b.weights).map(([k, w]) => `        ${j(k)}: ${j(w)}`);
    return `    {\n      "above": ${j(b.above)},\n      "bias": ${j(b.bias)},\n      "weights": {\n${weights.join(",\n")}\n      }\n    }`;
  });
  return [
    "{",
    `  "format": ${j(model.format)},`,
    `  "tiers": ${j(model.tiers).replace(/,/g, ", ")},`,
    `  "ks": ${j(model.ks).replace(/,/g, ", ")},`,
    `  "embeddingModel": ${j(model.embeddingModel)},`,
    ...(model.thresholds ? [`  "thresholds": ${j(model.thresholds).replace(/,/g, ", ")},`] : []),
    ...(model.voteGate !== undefined ? [`  "voteGate": ${model.voteGate === null ? "null" : inline(model.voteGate)},`] : []),
    ...(model.downgradeCost !== undefined ? [`  "downgradeCost": ${j(model.downgradeCost)},`] : []),
    `  "features": [\n${model.features.map((f) => `    ${inline(f)}`).join(",\n")}\n  ],`,
    `  "boundaries": [\n${boundaries.join(",\n")}\n  ],`,
    `  "training": ${indent(JSON.stringify(model.training, null, 2), "  ")}`,
    "}",
    "",
  ].join("\n");
}
