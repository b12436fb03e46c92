import { attrDtype, attrInts, type TfDtype, type TfGraph, type TfNode, type TfTensor } from "./tf-graph.js";

// Static facts about a TF graph that the converter needs besides the ops themselves.

/** "node:2" -> ["node", 2]; a bare name is output 0. */
export function parseRef(ref: string): [string, number] {
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? [m[1]!, Number(m[2])] : [ref, 0];
}

/** Dependencies before dependents; TF.js does not promise a topological node order. */
export function topologicalOrder(graph: TfGraph): TfNode[] {
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

const BOOLEAN_OPS = new Set(["Less", "Greater", "Equal", "LogicalNot"]);

/** Element type of a node's first output, for declaring graph outputs. */
export function outputDtype(node: TfNode): TfDtype {
  if (BOOLEAN_OPS.has(node.op)) return "bool";
  if (node.op === "Where" && node.inputs.length === 1) return "int64";
  if (node.op === "Cast") return attrDtype(node, "DstT");
  if (node.op === "Shape") return attrDtype(node, "out_type");
  if ((node.op === "GatherV2" || node.op === "GatherNd") && node.attr.Tparams) return attrDtype(node, "Tparams");
  return attrDtype(node, "T");
}

const ELEMENTWISE_OPS = new Set([
  ...["Add", "AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum", "Less", "Greater", "Equal"],
  ...["Cast", "Identity", "Relu", "Tanh", "BiasAdd", "Softmax", "Square", "Rsqrt", "LogicalNot"],
]);

/** Static rank of the few tensors whose converters need it (adjoint BatchMatMul, SparseToDense). */
export function makeRankOf(byName: Map<string, TfNode>, weights: Map<string, TfTensor>) {
  const constLength = (ref: string) => weights.get(parseRef(ref)[0])?.data.length;
  const rankOf = (ref: string): number | undefined => {
    const node = byName.get(parseRef(ref)[0]);
    if (!node) return undefined;
    const r = (i: number) => (node.inputs[i] === undefined ? undefined : rankOf(node.inputs[i]!));
    switch (node.op) {
      case "Const":
        return weights.get(node.name)?.shape.length;
      case "Placeholder":
        return node.attr.shape?.shape?.unknownRank ? undefined : (node.attr.shape?.shape?.dim?.length ?? 0);
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
      default: {
        if (!ELEMENTWISE_OPS.has(node.op)) return undefined;
        // Broadcasting: the result has the largest input rank.
        const ranks = node.inputs.map((_, i) => r(i));
        return ranks.includes(undefined) ? undefined : Math.max(...(ranks as number[]));
      }
    }
  };
  return rankOf;
}
