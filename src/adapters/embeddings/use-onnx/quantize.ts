import { floatTensor, int8Tensor } from "./onnx-builder.js";
import { OnnxType, type OnnxModel, type OnnxNode, type OnnxTensor } from "./onnx-proto.js";

export interface QuantizeOptions {
  /** Weights with fewer elements stay fp32: quantising them saves no time. */
  minElements?: number;
  /**
   * Use 7-bit weights ([-63, 63]). On AVX2 machines without VNNI the u8 x s8
   * kernels add pairs of products in int16, which can saturate with full
   * 8-bit weights; onnxruntime's own quantiser offers the same switch.
   */
  reduceRange?: boolean;
  /** Which constant weights (by initializer name) to quantise; default all large enough. */
  include?: (weightName: string) => boolean;
}

/** Symmetric per-output-column int8 quantisation of a [K, N] matrix. */
export function quantizePerColumn(w: Float32Array, k: number, n: number, qmax: number): { q: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(n);
  for (let row = 0; row < k; row++) {
    for (let col = 0; col < n; col++) scales[col] = Math.max(scales[col]!, Math.abs(w[row * n + col]!));
  }
  for (let col = 0; col < n; col++) scales[col] = scales[col]! > 0 ? scales[col]! / qmax : 1;
  const q = new Int8Array(k * n);
  for (let i = 0; i < q.length; i++) {
    const v = Math.round(w[i]! / scales[i % n]!);
    q[i] = Math.max(-qmax, Math.min(qmax, v));
  }
  return { q, scales };
}

/**
 * Dynamic int8 quantisation of every MatMul with a constant fp32 weight, in
 * the node pattern onnxruntime's own dynamic quantiser emits
 * (DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul), which the runtime
 * fuses into one DynamicQuantizeMatMul kernel. Activations are quantised per
 * call, weights once here. Everything else stays fp32.
 */
export function quantizeMatMulWeights(model: OnnxModel, options: QuantizeOptions = {}): OnnxModel {
  const minElements = options.minElements ?? 65_536;
  const qmax = options.reduceRange ? 63 : 127;
  const inits = new Map(model.graph.initializers.map((t) => [t.name, t]));
  const useCount = new Map<string, number>();
  for (const n of model.graph.nodes) for (const i of n.inputs) useCount.set(i, (useCount.get(i) ?? 0) + 1);

  const nodes: OnnxNode[] = [];
  const added: OnnxTensor[] = [];
  const replaced = new Set<string>();
  const quantized = new Set<string>();
  for (const node of model.graph.nodes) {
    const weight = node.opType === "MatMul" ? inits.get(node.inputs[1]!) : undefined;
    if (!weight || weight.dataType !== OnnxType.FLOAT || weight.dims.length !== 2 || weight.dims[0]! * weight.dims[1]! < minElements || options.include?.(weight.name) === false) {
      nodes.push(node);
      continue;
    }
    const [k, n] = weight.dims as [number, number];
    const base = weight.name;
    if (!quantized.has(base)) {
      quantized.add(base);
      const { q, scales } = quantizePerColumn(new Float32Array(weight.raw.slice().buffer), k, n, qmax);
      added.push(int8Tensor(`${base}/q`, [k, n], q), floatTensor(`${base}/scale`, [n], scales), int8Tensor(`${base}/zero_point`, [n], new Int8Array(n)));
    }
    if (useCount.get(weight.name) === 1) replaced.add(weight.name);
    const x = node.inputs[0]!;
    const out = node.outputs[0]!;
    const t = (suffix: string) => `${out}/${suffix}`;
    nodes.push(
      { opType: "DynamicQuantizeLinear", inputs: [x], outputs: [t("xq"), t("xscale"), t("xzp")], name: t("quantize") },
      { opType: "MatMulInteger", inputs: [t("xq"), `${base}/q`, t("xzp"), `${base}/zero_point`], outputs: [t("int32")], name: t("matmul_integer") },
      { opType: "Cast", inputs: [t("int32")], outputs: [t("float")], name: t("cast"), attrs: { to: { i: OnnxType.FLOAT } } },
      { opType: "Mul", inputs: [t("xscale"), `${base}/scale`], outputs: [t("scale")], name: t("scale_product") },
      { opType: "Mul", inputs: [t("float"), t("scale")], outputs: [out], name: t("rescale") },
    );
  }
  const initializers = [...model.graph.initializers.filter((t) => !replaced.has(t.name)), ...added];
  return { ...model, graph: { ...model.graph, nodes, initializers } };
}
