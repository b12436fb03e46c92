import { onnxTypeOf, type ConvertContext, type OpConverter } from "./convert-context.js";
import { OnnxGraphBuilder, floatTensor, int64Tensor } from "./onnx-builder.js";
import type { OnnxModel, OnnxValueInfo } from "./onnx-proto.js";
import { mathOps } from "./ops-math.js";
import { shapeOps } from "./ops-shape.js";
import { attrDtype, attrInts, type TfGraph, type TfNode, type TfTensor } from "./tf-graph.js";

const CONVERTERS: Record<string, OpConverter> = { ...mathOps, ...shapeOps };

/** Opset 18: Reduce* take axes as an input and ScatterND has reductions; onnxruntime >= 1.14 runs it. */
export const OPSET = 18;
const IR_VERSION = 8;

/** "node:2" -> ["node", 2]; a bare name is output 0. */
function parseRef(ref: string): [string, number] {
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? [m[1]!, Number(m[2])] : [ref, 0];
}

/** Op types in the graph that have no converter (empty = convertible). */
export function unsupportedOps(graph: TfGraph): string[] {
  const ops = new Set(graph.nodes.map((n) => n.op).filter((op) => op !== "Const" && op !== "Placeholder" && !CONVERTERS[op]));
  return [...ops].sort();
}

/** Dependencies before dependents; TF.js does not promise a topological node order. */
function topologicalOrder(graph: TfGraph): TfNode[] {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const state = new Map<string, "visiting" | "done">();
  const order: TfNode[] = [];
  const visit = (node: TfNode) => {
    if (state.get(node.name) === "done") return;
    if (state.get(node.name) === "visiting") throw new Error(`graph has a cycle through ${node.name}`);
    state.set(node.name, "visiting");
    for (const ref of node.inputs) {
      const dep = byName.get(parseRef(ref)[0]);
      if (!dep) throw new Error(`${node.name}: unknown input ${ref}`);
      visit(dep);
    }
    state.set(node.name, "done");
    order.push(node);
  };
  graph.nodes.forEach(visit);
  return order;
}

/** Static rank of the few tensors whose converters need it (adjoint BatchMatMul, SparseToDense). */
function makeRankOf(byName: Map<string, TfNode>, weights: Map<string, TfTensor>) {
  const constLength = (ref: string) => weights.get(parseRef(ref)[0])?.data.length;
  const rankOf = (ref: string): number | undefined => {
    const node = byName.get(parseRef(ref)[0]);
    if (!node) return undefined;
    const r = (i: number) => (node.inputs[i] === undefined ? undefined : rankOf(node.inputs[i]!));
    switch (node.op) {
      case "Const":
        return weights.get(node.name)?.shape.length;
      case "Placeholder":
        return node.attr.shape?.shape?.unknownRank ? undefined : node.attr.shape?.shape?.dim?.length ?? 0;
      case "Transpose":
        return constLength(node.inputs[1]!);
      case "Reshape": {
        const shape = byName.get(parseRef(node.inputs[1]!)[0]);
        return shape?.op === "Pack" ? shape.inputs.length : constLength(node.inputs[1]!);
      }
      case "GatherV2": {
        const [p, i] = [r(0), r(1)];
        return p === undefined || i === undefined ? undefined : p + i - 1;
      }
      case "Where":
        return node.inputs.length === 1 ? 2 : r(1);
      case "ExpandDims": {
        const x = r(0);
        return x === undefined ? undefined : x + 1;
      }
      case "Squeeze": {
        const x = r(0);
        const dims = attrInts(node, "squeeze_dims");
        return x === undefined || dims.length === 0 ? undefined : x - dims.length;
      }
      case "Add": case "AddV2": case "Sub": case "Mul": case "RealDiv": case "Maximum": case "Minimum":
      case "Less": case "Greater": case "Equal": case "Cast": case "Identity": case "Relu": case "Tanh": case "BiasAdd": case "Softmax": {
        const ranks = node.inputs.map((_, i) => r(i));
        return ranks.includes(undefined) ? undefined : Math.max(...(ranks as number[]));
      }
      default:
        return undefined;
    }
  };
  return rankOf;
}

/**
 * Converts a frozen TF graph (as read from a TF.js graph model) op by op into
 * an ONNX model. Placeholders become graph inputs under their TF names, Consts
 * become initializers, and every node nothing consumes becomes a graph output.
 */
export function convertTfGraphToOnnx(graph: TfGraph, meta: { name: string; producerVersion: string }): OnnxModel {
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
  const outputs: OnnxValueInfo[] = order
    .filter((n) => !consumed.has(n.name) && n.op !== "Const" && n.op !== "Placeholder")
    .map((n) => ({ name: values.get(n.name)![0]!, elemType: onnxTypeOf(attrDtype(n, "T")) }));

  return {
    graph: { name: meta.name, nodes: b.nodes, initializers: [...b.initializers.values()], inputs, outputs },
    irVersion: IR_VERSION,
    opsetVersion: OPSET,
    producerName: "tierline-tfjs-to-onnx",
    producerVersion: meta.producerVersion,
  };
}
