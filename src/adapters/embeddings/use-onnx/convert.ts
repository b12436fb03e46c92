import { onnxTypeOf, type ConvertContext, type OpConverter } from "./convert-context.js";
import { OnnxGraphBuilder, floatTensor, int64Tensor } from "./onnx-builder.js";
import type { OnnxModel, OnnxValueInfo } from "./onnx-proto.js";
import { mathOps } from "./ops-math.js";
import { shapeOps } from "./ops-shape.js";
import { attrDtype, type TfGraph } from "./tf-graph.js";
import { makeRankOf, outputDtype, parseRef, topologicalOrder } from "./tf-graph-info.js";

const CONVERTERS: Record<string, OpConverter> = { ...mathOps, ...shapeOps };

/** Opset 18: Reduce* take axes as an input and ScatterND has reductions; onnxruntime >= 1.14 runs it. */
export const OPSET = 18;
const IR_VERSION = 8;

/** Op types in the graph that have no converter (empty = convertible). */
export function unsupportedOps(graph: TfGraph): string[] {
  const ops = new Set(graph.nodes.map((n) => n.op).filter((op) => op !== "Const" && op !== "Placeholder" && !CONVERTERS[op]));
  return [...ops].sort();
}

export interface ConvertMeta {
  name: string;
  producerVersion: string;
  /**
   * TF node names to expose as graph outputs; default every node nothing
   * consumes. Exposing intermediate nodes lets a debugging session compare
   * them with TF.js op by op.
   */
  outputs?: string[];
}

/**
 * Converts a frozen TF graph (as read from a TF.js graph model) op by op into
 * an ONNX model. Placeholders become graph inputs under their TF names, Consts
 * become initializers, and every node nothing consumes becomes a graph output.
 */
export function convertTfGraphToOnnx(graph: TfGraph, meta: ConvertMeta): OnnxModel {
  const missing = unsupportedOps(graph);
  if (missing.length) throw new Error(`cannot convert: no converter for TF op(s) ${missing.join(", ")}`);

  const b = new OnnxGraphBuilder();
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const values = new Map<string, string[]>();
  const inputs: OnnxValueInfo[] = [];
  for (const node of graph.nodes.filter((n) => n.op === "Placeholder")) {
    // Claim the TF names first so the graph's inputs keep them ("indices", "values").
    const dims = (node.attr.shape?.shape?.dim ?? []).map((d, i) => (Number(d.size) >= 0 ? Number(d.size) : `${node.name}_${i}`));
    const name = b.fresh(node.name);
    inputs.push({ name, elemType: onnxTypeOf(attrDtype(node, "dtype")), dims });
    values.set(node.name, [name]);
  }

  const constant = (name: string): string => {
    const t = graph.weights.get(name);
    if (!t) throw new Error(`Const ${name} has no value in the weight manifest`);
    const tensor = t.dtype === "float32" ? floatTensor(name, t.shape, t.data as Float32Array) : int64Tensor(name, t.shape, t.data);
    return b.constant(tensor);
  };

  const ctx: ConvertContext = {
    b,
    input(node, i) {
      const [name, k] = parseRef(node.inputs[i]!);
      if (!values.has(name) && byName.get(name)?.op === "Const") values.set(name, [constant(name)]);
      const out = values.get(name)?.[k];
      if (out === undefined) throw new Error(`${node.name}: input ${node.inputs[i]} is not available`);
      return out;
    },
    constInput(node, i) {
      const [name] = parseRef(node.inputs[i]!);
      return byName.get(name)?.op === "Const" ? graph.weights.get(name) : undefined;
    },
    rank: makeRankOf(byName, graph.weights),
  };

  const order = topologicalOrder(graph);
  for (const node of order) {
    if (node.op === "Const" || node.op === "Placeholder") continue;
    values.set(node.name, CONVERTERS[node.op]!(ctx, node));
  }

  const consumed = new Set(graph.nodes.flatMap((n) => n.inputs.map((ref) => parseRef(ref)[0])));
  const sinks = meta.outputs
    ? meta.outputs.map((name) => {
        const node = byName.get(name);
        if (!node) throw new Error(`requested output ${name} is not a node of the graph`);
        return node;
      })
    : order.filter((n) => !consumed.has(n.name) && n.op !== "Const" && n.op !== "Placeholder");
  const outputs: OnnxValueInfo[] = sinks.map((n) => ({ name: values.get(n.name)![0]!, elemType: onnxTypeOf(outputDtype(n)) }));

  return {
    graph: { name: meta.name, nodes: b.nodes, initializers: [...b.initializers.values()], inputs, outputs },
    irVersion: IR_VERSION,
    opsetVersion: OPSET,
    producerName: "tierline-tfjs-to-onnx",
    producerVersion: meta.producerVersion,
  };
}
