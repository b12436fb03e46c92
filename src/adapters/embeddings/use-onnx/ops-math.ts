import { constInts, onnxTypeOf, unsupported, type ConvertContext, type OpConverter } from "./convert-context.js";
import { floatTensor } from "./onnx-builder.js";
import { attrBool, attrDtype, attrInts, attrString, type TfNode } from "./tf-graph.js";

const unary =
  (opType: string): OpConverter =>
  (c, n) => [c.b.op(opType, [c.input(n, 0)], n.name)];

const binary =
  (opType: string): OpConverter =>
  (c, n) => [c.b.op(opType, [c.input(n, 0), c.input(n, 1)], n.name)];

/** TF reductions take their axes as a (possibly scalar) tensor; opset 18 takes them as an input too. */
const reduce =
  (opType: string): OpConverter =>
  (c, n) => {
    const axes = constInts(c, n, 1);
    const keepdims = attrBool(n, "keep_dims") ? 1 : 0;
    // An empty axis list reduces nothing in TF but everything in ONNX unless told otherwise.
    const attrs = { keepdims: { i: keepdims }, ...(axes.length === 0 ? { noop_with_empty_axes: { i: 1 } } : {}) };
    return [c.b.op(opType, [c.input(n, 0), c.b.int64s(`${n.name}/axes`, axes)], n.name, attrs)];
  };

/** Swaps the last two axes; needs the rank because ONNX Transpose takes a full permutation. */
function transposeLastTwo(c: ConvertContext, n: TfNode, i: number, knownRank?: number): string {
  const rank = knownRank ?? c.rank(n.inputs[i]!);
  if (rank === undefined || rank < 2) unsupported(n, `an adjoint/transposed operand of unknown rank`);
  const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
  return c.b.op("Transpose", [c.input(n, i)], `${n.name}/T${i}`, { perm: { ints: perm } });
}

/** TF MatMul is always 2-D; BatchMatMul operands have whatever rank the graph gives them. */
function matMul(aFlag: string, bFlag: string, rank?: number): OpConverter {
  return (c, n) => {
    const a = attrBool(n, aFlag) ? transposeLastTwo(c, n, 0, rank) : c.input(n, 0);
    const b = attrBool(n, bFlag) ? transposeLastTwo(c, n, 1, rank) : c.input(n, 1);
    return [c.b.op("MatMul", [a, b], n.name)];
  };
}

/**
 * Only the 1x1, stride-1 NHWC convolution that Tensor2Tensor uses as a dense
 * layer: it is exactly a MatMul over the channel axis, which keeps the graph
 * free of NHWC<->NCHW transposes.
 */
const conv2d: OpConverter = (c, n) => {
  const filter = c.constInput(n, 1);
  const ones = (name: string) => attrInts(n, name).every((v) => v === 1);
  if (attrString(n, "data_format", "NHWC") !== "NHWC") unsupported(n, "a non-NHWC layout");
  if (!ones("strides") || !ones("dilations")) unsupported(n, "a strided or dilated convolution");
  if (!filter || filter.dtype !== "float32" || filter.shape[0] !== 1 || filter.shape[1] !== 1) {
    unsupported(n, "a convolution other than a constant 1x1 kernel");
  }
  const [, , cin, cout] = filter.shape as [number, number, number, number];
  const weight = c.b.constant(floatTensor(`${n.inputs[1]}/matrix`, [cin, cout], filter.data as Float32Array));
  return [c.b.op("MatMul", [c.input(n, 0), weight], n.name)];
};

const biasAdd: OpConverter = (c, n) => {
  if (attrString(n, "data_format", "NHWC") !== "NHWC") unsupported(n, "a non-NHWC BiasAdd");
  return [c.b.op("Add", [c.input(n, 0), c.input(n, 1)], n.name)];
};

const cast: OpConverter = (c, n) => {
  const to = onnxTypeOf(attrDtype(n, "DstT"));
  // int32 <-> int64 casts vanish because both are carried as int64.
  if (onnxTypeOf(attrDtype(n, "SrcT")) === to) return [c.b.op("Identity", [c.input(n, 0)], n.name)];
  return [c.b.op("Cast", [c.input(n, 0)], n.name, { to: { i: to } })];
};

export const mathOps: Record<string, OpConverter> = {
  Add: binary("Add"),
  AddV2: binary("Add"),
  Sub: binary("Sub"),
  Mul: binary("Mul"),
  RealDiv: binary("Div"),
  Maximum: binary("Max"),
  Minimum: binary("Min"),
  Less: binary("Less"),
  Greater: binary("Greater"),
  Equal: binary("Equal"),
  LogicalNot: unary("Not"),
  Sin: unary("Sin"),
  Cos: unary("Cos"),
  Tanh: unary("Tanh"),
  Relu: unary("Relu"),
  Sqrt: unary("Sqrt"),
  Exp: unary("Exp"),
  Neg: unary("Neg"),
  Identity: unary("Identity"),
  Square: (c, n) => {
    const x = c.input(n, 0);
    return [c.b.op("Mul", [x, x], n.name)];
  },
  // 1/sqrt(x), computed the way TF.js's WASM kernel does, not via Pow(x, -0.5).
  Rsqrt: (c, n) => [c.b.op("Reciprocal", [c.b.op("Sqrt", [c.input(n, 0)], `${n.name}/sqrt`)], n.name)],
  Softmax: (c, n) => [c.b.op("Softmax", [c.input(n, 0)], n.name, { axis: { i: -1 } })],
  Mean: reduce("ReduceMean"),
  Sum: reduce("ReduceSum"),
  Max: reduce("ReduceMax"),
  Min: reduce("ReduceMin"),
  Prod: reduce("ReduceProd"),
  MatMul: matMul("transpose_a", "transpose_b", 2),
  BatchMatMul: matMul("adj_x", "adj_y"),
  BatchMatMulV2: matMul("adj_x", "adj_y"),
  Conv2D: conv2d,
  BiasAdd: biasAdd,
  Cast: cast,
};
