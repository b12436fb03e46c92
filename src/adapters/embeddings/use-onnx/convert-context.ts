import type { OnnxGraphBuilder } from "./onnx-builder.js";
import { OnnxType } from "./onnx-proto.js";
import type { TfDtype, TfNode, TfTensor } from "./tf-graph.js";

/** What an op converter may ask about the graph being converted. */
export interface ConvertContext {
  readonly b: OnnxGraphBuilder;
  /** The ONNX value holding the node's i-th input (Consts become initializers on first use). */
  input(node: TfNode, i: number): string;
  /** The static value of the node's i-th input when it is a Const, else undefined. */
  constInput(node: TfNode, i: number): TfTensor | undefined;
  /** Rank of a TF tensor ("node" or "node:k") when the converter can tell it statically. */
  rank(ref: string): number | undefined;
}

/** Converts one TF node; returns the ONNX value for each TF output, in order. */
export type OpConverter = (ctx: ConvertContext, node: TfNode) => string[];

/**
 * int32 is carried as int64 throughout: ONNX Shape, NonZero and friends
 * produce int64, and mixing the two would need a Cast at every shape op.
 * Values stay far below 2^31, so nothing changes numerically.
 */
export function onnxTypeOf(dtype: TfDtype): OnnxType {
  switch (dtype) {
    case "float32":
      return OnnxType.FLOAT;
    case "int32":
    case "int64":
      return OnnxType.INT64;
    case "bool":
      return OnnxType.BOOL;
  }
}

/** The static integer values of a Const input; converters use it for axes, perms and sizes. */
export function constInts(ctx: ConvertContext, node: TfNode, i: number): number[] {
  const t = ctx.constInput(node, i);
  if (!t || t.dtype === "float32") {
    throw new Error(`${node.op} ${node.name}: input ${i} must be a constant integer tensor (dynamic values are not supported)`);
  }
  return Array.from(t.data);
}

export function unsupported(node: TfNode, what: string): never {
  throw new Error(`${node.op} ${node.name}: ${what} is not supported by the converter`);
}
