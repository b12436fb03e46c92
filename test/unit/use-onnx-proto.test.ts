import { InferenceSession, Tensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { floatTensor, int64Tensor } from "../../src/adapters/embeddings/use-onnx/onnx-builder.js";
import { encodeOnnxModel, OnnxType, type OnnxModel } from "../../src/adapters/embeddings/use-onnx/onnx-proto.js";
import { quantizeMatMulWeights, quantizePerColumn } from "../../src/adapters/embeddings/use-onnx/quantize.js";

const modelOf = (graph: Omit<OnnxModel["graph"], "name">): OnnxModel => ({
  graph: { name: "test", ...graph },
  irVersion: 8,
  opsetVersion: 18,
  producerName: "test",
  producerVersion: "0",
});

describe("ONNX protobuf writer", () => {
  it("writes a model onnxruntime loads: initializers, named dims, int/float/ints attributes, negative int64s", async () => {
    const model = modelOf({
      nodes: [
        { opType: "Add", inputs: ["x", "bias"], outputs: ["sum"] },
        { opType: "Softmax", inputs: ["sum"], outputs: ["soft"], attrs: { axis: { i: -1 } } },
        { opType: "Unsqueeze", inputs: ["soft", "axes"], outputs: ["wide"] },
        { opType: "Transpose", inputs: ["wide"], outputs: ["y"], attrs: { perm: { ints: [1, 0, 2] } } },
        { opType: "LeakyRelu", inputs: ["x"], outputs: ["leaky"], attrs: { alpha: { f: 0.5 } } },
      ],
      initializers: [floatTensor("bias", [2], [0, Math.log(3)]), int64Tensor("axes", [1], [-2])],
      inputs: [{ name: "x", elemType: OnnxType.FLOAT, dims: ["batch", 2] }],
      outputs: [
        { name: "y", elemType: OnnxType.FLOAT },
        { name: "leaky", elemType: OnnxType.FLOAT, dims: ["batch", 2] },
      ],
    });
    const session = await InferenceSession.create(encodeOnnxModel(model), { logSeverityLevel: 3 });
    const out = await session.run({ x: new Tensor("float32", Float32Array.from([0, 0, -2, 2]), [2, 2]) });
    expect(out.y!.dims).toEqual([1, 2, 2]);
    expect(
      Array.from(out.y!.data as Float32Array)
        .slice(0, 2)
        .map((v) => v.toFixed(4)),
    ).toEqual(["0.2500", "0.7500"]);
    expect(Array.from(out.leaky!.data as Float32Array)).toEqual([0, 0, -1, 2]);
    await session.release();
  });
});

describe("int8 weight quantisation", () => {
  it("maps each column's largest magnitude to +-qmax and reconstructs within half a step", () => {
    const w = Float32Array.from([0.5, -2, 0, -0.25, 1, 0, 0.1, 0.3, 0]); // [3, 3], last column all zero
    const { q, scales } = quantizePerColumn(w, 3, 3, 127);
    expect(Array.from(scales)).toEqual([0.5 / 127, 2 / 127, 1].map(Math.fround));
    expect([q[0], q[1]]).toEqual([127, -127]);
    for (let i = 0; i < w.length; i++) expect(Math.abs(q[i]! * scales[i % 3]! - w[i]!)).toBeLessThanOrEqual(scales[i % 3]! / 2 + 1e-7);
  });

  it("rewrites MatMuls with large constant weights into onnxruntime's dynamic-quantisation pattern", async () => {
    const k = 64;
    const n = 8;
    const weight = Float32Array.from({ length: k * n }, (_, i) => Math.sin(i));
    const model = modelOf({
      nodes: [{ opType: "MatMul", inputs: ["x", "w"], outputs: ["y"] }],
      initializers: [floatTensor("w", [k, n], weight)],
      inputs: [{ name: "x", elemType: OnnxType.FLOAT, dims: [1, k] }],
      outputs: [{ name: "y", elemType: OnnxType.FLOAT, dims: [1, n] }],
    });
    const quantized = quantizeMatMulWeights(model, { minElements: 16, reduceRange: true });
    expect(quantized.graph.nodes.map((x) => x.opType)).toEqual(["DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul"]);
    expect(quantized.graph.initializers.map((t) => t.name)).not.toContain("w");
    expect(quantizeMatMulWeights(model).graph.nodes.map((x) => x.opType)).toEqual(["MatMul"]); // below the default size

    const x = Float32Array.from({ length: k }, (_, i) => Math.cos(i) + 1);
    const run = async (m: OnnxModel) => {
      const session = await InferenceSession.create(encodeOnnxModel(m), { logSeverityLevel: 3 });
      const y = (await session.run({ x: new Tensor("float32", x, [1, k]) })).y!.data as Float32Array;
      await session.release();
      return y;
    };
    const [exact, approx] = [await run(model), await run(quantized)];
    for (let j = 0; j < n; j++) expect(Math.abs(approx[j]! - exact[j]!)).toBeLessThan(0.05 * Math.max(1, Math.abs(exact[j]!)));
  });
});
