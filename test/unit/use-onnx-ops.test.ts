import { InferenceSession, Tensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { convertTfGraphToOnnx, unsupportedOps } from "../../src/adapters/embeddings/use-onnx/convert.js";
import { encodeOnnxModel } from "../../src/adapters/embeddings/use-onnx/onnx-proto.js";
import type { TfAttr, TfGraph, TfNode, TfTensor } from "../../src/adapters/embeddings/use-onnx/tf-graph.js";

// Small TF graphs with hand-computed answers, one per tricky op semantic of
// the USE lite graph: each is converted, serialised, loaded and run by onnxruntime.

const FLOAT = { type: 1 };
const INT32 = { type: 3 };
const INT64 = { type: 9 };

class GraphSpec {
  readonly nodes: TfNode[] = [];
  readonly weights = new Map<string, TfTensor>();

  input(name: string, dtype: TfAttr, dims: number[]): string {
    this.nodes.push({ name, op: "Placeholder", inputs: [], attr: { dtype, shape: { shape: { dim: dims.map((size) => ({ size })) } } } });
    return name;
  }
  ints(name: string, values: number[], shape = [values.length]): string {
    this.nodes.push({ name, op: "Const", inputs: [], attr: {} });
    this.weights.set(name, { dtype: "int32", shape, data: Int32Array.from(values) });
    return name;
  }
  floats(name: string, values: number[], shape = [values.length]): string {
    this.nodes.push({ name, op: "Const", inputs: [], attr: {} });
    this.weights.set(name, { dtype: "float32", shape, data: Float32Array.from(values) });
    return name;
  }
  op(name: string, op: string, inputs: string[], attr: Record<string, TfAttr> = {}): string {
    this.nodes.push({ name, op, inputs, attr: { T: FLOAT, ...attr } });
    return name;
  }
  graph(): TfGraph {
    return { nodes: this.nodes, weights: this.weights };
  }
}

async function run(spec: GraphSpec, feeds: Record<string, Tensor>, outputs?: string[]): Promise<Record<string, { dims: readonly number[]; data: number[] }>> {
  const bytes = encodeOnnxModel(convertTfGraphToOnnx(spec.graph(), { name: "test", producerVersion: "test", ...(outputs ? { outputs } : {}) }));
  const session = await InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const out = await session.run(feeds);
  await session.release();
  const plain = Object.entries(out).map(([k, t]) => [k, { dims: t.dims, data: Array.from(t.data as ArrayLike<number | bigint>, Number) }]);
  return Object.fromEntries(plain) as Record<string, { dims: readonly number[]; data: number[] }>;
}

const f32 = (dims: number[], values: number[]) => new Tensor("float32", Float32Array.from(values), dims);
const i64 = (dims: number[], values: number[]) => new Tensor("int64", BigInt64Array.from(values.map(BigInt)), dims);

describe("TF -> ONNX op conversion", () => {
  it("StridedSlice: begin/end masks and a shrunk axis (x[:, 1])", async () => {
    const g = new GraphSpec();
    const x = g.input("x", INT64, [-1, 2]);
    g.op("col", "StridedSlice", [x, g.ints("b", [0, 1]), g.ints("e", [0, 2]), g.ints("s", [1, 1])], {
      T: INT64,
      begin_mask: { i: "1" },
      end_mask: { i: "1" },
      shrink_axis_mask: { i: "2" },
    });
    const out = await run(g, { x: i64([3, 2], [0, 5, 1, 6, 2, 7]) });
    expect(out.col).toEqual({ dims: [3], data: [5, 6, 7] });
  });

  it("Where with one input lists coordinates as [N, rank]; SparseToDense fills the rest with the default", async () => {
    const g = new GraphSpec();
    const ids = g.input("ids", INT64, [-1, 2]);
    const vals = g.input("vals", INT64, [-1]);
    const dense = g.op("dense", "SparseToDense", [ids, g.ints("shape", [2, 3]), vals, g.ints("default", [-1], [])], { T: INT64 });
    g.op("where", "Where", [g.op("gt", "Greater", [dense, g.ints("zero", [0], [])], { T: INT64 })], { T: { type: 10 } });
    const out = await run(g, { ids: i64([3, 2], [0, 0, 0, 1, 1, 0]), vals: i64([3], [4, 0, 9]) }, ["dense", "where"]);
    expect(out.dense!.data).toEqual([4, 0, -1, 9, -1, -1]);
    expect(out.where).toEqual({ dims: [2, 2], data: [0, 0, 1, 0] });
  });

  it("ScatterNd sums duplicate indices into zeros; GatherNd reads rows back", async () => {
    const g = new GraphSpec();
    const idx = g.input("idx", INT64, [-1, 1]);
    const upd = g.input("upd", FLOAT, [-1, 2]);
    const scattered = g.op("scatter", "ScatterNd", [idx, upd, g.ints("shape", [3, 2])], { Tindices: INT64 });
    g.op("gathered", "GatherNd", [scattered, g.ints("rows", [2, 0], [2, 1])]);
    const out = await run(g, { idx: i64([3, 1], [0, 2, 0]), upd: f32([3, 2], [1, 2, 3, 4, 10, 20]) });
    expect(out.gathered!.data).toEqual([3, 4, 11, 22]);
  });

  it("SplitV, Pack, ConcatV2, Reshape and Transpose build and apply dynamic shapes", async () => {
    const g = new GraphSpec();
    const x = g.input("x", FLOAT, [-1, 6]);
    g.op("split", "SplitV", [x, g.ints("sizes", [2, 4]), g.ints("axis", [1], [])], { num_split: { i: "2" } });
    const shape = g.op("shape", "Shape", ["split:1"], { out_type: INT32 });
    const rows = g.op("rows", "StridedSlice", [shape, g.ints("b0", [0]), g.ints("e0", [1]), g.ints("s0", [1])], { T: INT32, shrink_axis_mask: { i: "1" } });
    const packed = g.op("packed", "Pack", [rows, g.ints("two", [2], []), g.ints("two_b", [2], [])], { T: INT32, axis: { i: "0" }, N: { i: "3" } });
    const reshaped = g.op("reshaped", "Reshape", ["split:1", packed]);
    g.op("transposed", "Transpose", [reshaped, g.ints("perm", [0, 2, 1])]);
    g.op("joined", "ConcatV2", ["split", "split", g.ints("cat_axis", [-1], [])], { N: { i: "2" } });
    const out = await run(g, { x: f32([1, 6], [1, 2, 3, 4, 5, 6]) });
    expect(out.transposed).toEqual({ dims: [1, 2, 2], data: [3, 5, 4, 6] });
    expect(out.joined).toEqual({ dims: [1, 4], data: [1, 2, 1, 2] });
  });

  it("BatchMatMul with adj_y, a 1x1 Conv2D as a dense layer, BiasAdd and keep_dims reductions", async () => {
    const g = new GraphSpec();
    const x = g.input("x", FLOAT, [1, 2, 1, 2]);
    const conv = g.op("conv", "Conv2D", [x, g.floats("k", [1, 0, 0, 2], [1, 1, 2, 2])], {
      strides: { list: { i: ["1", "1", "1", "1"] } },
      dilations: { list: { i: ["1", "1", "1", "1"] } },
      padding: { s: [86, 65, 76, 73, 68] },
    });
    g.op("biased", "BiasAdd", [conv, g.floats("bias", [10, 20])]);
    const a = g.input("a", FLOAT, [1, 2, 2]);
    g.op("bmm", "BatchMatMul", [g.op("a_t", "Transpose", [a, g.ints("p", [0, 1, 2])]), a], { adj_y: { b: true } });
    g.op("mean", "Mean", [a, g.ints("axes", [-1])], { keep_dims: { b: true } });
    const out = await run(g, { x: f32([1, 2, 1, 2], [1, 2, 3, 4]), a: f32([1, 2, 2], [1, 2, 3, 4]) });
    expect(out.biased).toEqual({ dims: [1, 2, 1, 2], data: [11, 24, 13, 28] });
    expect(out.bmm!.data).toEqual([5, 11, 11, 25]); // a @ a^T
    expect(out.mean).toEqual({ dims: [1, 2, 1], data: [1.5, 3.5] });
  });

  it("Rsqrt, Square and casts between TF int32/int64 (both carried as int64)", async () => {
    const g = new GraphSpec();
    const x = g.input("x", FLOAT, [2]);
    g.op("rsqrt", "Rsqrt", [g.op("sq", "Square", [x])]);
    const n = g.input("n", INT64, [2]);
    g.op("n32", "Cast", [n], { SrcT: INT64, DstT: INT32 });
    g.op("nf", "Cast", [n], { SrcT: INT64, DstT: FLOAT });
    const out = await run(g, { x: f32([2], [2, 4]), n: i64([2], [3, 7]) });
    expect(out.rsqrt!.data).toEqual([0.5, 0.25]);
    expect(out.n32!.data).toEqual([3, 7]);
    expect(out.nf!.data).toEqual([3, 7]);
  });

  it("names every op it cannot convert instead of writing a broken model", () => {
    const g = new GraphSpec();
    g.op("y", "Erf", [g.input("x", FLOAT, [1])]);
    g.op("z", "LSTMBlockCell", ["y"]);
    expect(unsupportedOps(g.graph())).toEqual(["Erf", "LSTMBlockCell"]);
    expect(() => convertTfGraphToOnnx(g.graph(), { name: "t", producerVersion: "t" })).toThrow(/Erf, LSTMBlockCell/);
  });
});
