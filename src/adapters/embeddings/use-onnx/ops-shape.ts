import { constInts, onnxTypeOf, unsupported, type OpConverter } from "./convert-context.js";
import { INT64_MAX, INT64_MIN, floatTensor, int64Tensor } from "./onnx-builder.js";
import { attrDtype, attrInt, attrInts } from "./tf-graph.js";

/**
 * StridedSlice with constant begin/end/strides, as Python-style `x[a:b:s, i]`
 * slicing compiles to. Masks become ONNX Slice sentinels, shrunk axes a Squeeze.
 */
const stridedSlice: OpConverter = (c, n) => {
  const [begin, end, strides] = [constInts(c, n, 1), constInts(c, n, 2), constInts(c, n, 3)];
  const mask = (name: string) => attrInt(n, name, 0);
  if (mask("ellipsis_mask") !== 0 || mask("new_axis_mask") !== 0) unsupported(n, "an ellipsis or new-axis mask");
  const starts: bigint[] = [];
  const ends: bigint[] = [];
  const steps: number[] = [];
  const shrunk: number[] = [];
  begin.forEach((b, i) => {
    const bit = 1 << i;
    const step = strides[i]!;
    if ((mask("shrink_axis_mask") & bit) !== 0) {
      // TF: "takes on the value at index begin[i]; end[i] and strides[i] are ignored".
      starts.push(BigInt(b));
      ends.push(b === -1 ? INT64_MAX : BigInt(b + 1));
      steps.push(1);
      shrunk.push(i);
      return;
    }
    starts.push((mask("begin_mask") & bit) !== 0 ? (step > 0 ? 0n : INT64_MAX) : BigInt(b));
    ends.push((mask("end_mask") & bit) !== 0 ? (step > 0 ? INT64_MAX : INT64_MIN) : BigInt(end[i]!));
    steps.push(step);
  });
  const axes = begin.map((_, i) => i);
  const sliced = c.b.op(
    "Slice",
    [c.input(n, 0), c.b.int64s(`${n.name}/starts`, starts), c.b.int64s(`${n.name}/ends`, ends), c.b.int64s(`${n.name}/axes`, axes), c.b.int64s(`${n.name}/steps`, steps)],
    shrunk.length ? `${n.name}/slice` : n.name,
  );
  return [shrunk.length ? c.b.op("Squeeze", [sliced, c.b.int64s(`${n.name}/shrink`, shrunk)], n.name) : sliced];
};

/** TF Slice(x, begin, size): size -1 means "to the end". */
const slice: OpConverter = (c, n) => {
  const begin = constInts(c, n, 1);
  const size = constInts(c, n, 2);
  const ends = begin.map((b, i) => (size[i] === -1 ? INT64_MAX : BigInt(b + size[i]!)));
  const axes = begin.map((_, i) => i);
  return [c.b.op("Slice", [c.input(n, 0), c.b.int64s(`${n.name}/starts`, begin), c.b.int64s(`${n.name}/ends`, ends), c.b.int64s(`${n.name}/axes`, axes)], n.name)];
};

const pack: OpConverter = (c, n) => {
  const axis = attrInt(n, "axis", 0);
  const parts = n.inputs.map((_, i) => c.b.op("Unsqueeze", [c.input(n, i), c.b.int64s(`${n.name}/axis`, [axis])], `${n.name}/${i}`));
  return [parts.length === 1 ? parts[0]! : c.b.op("Concat", parts, n.name, { axis: { i: axis } })];
};

const concat: OpConverter = (c, n) => {
  const last = n.inputs.length - 1;
  const [axis] = constInts(c, n, last);
  return [
    c.b.op(
      "Concat",
      n.inputs.slice(0, last).map((_, i) => c.input(n, i)),
      n.name,
      { axis: { i: axis! } },
    ),
  ];
};

/** TF ScatterNd scatters into zeros and sums duplicate indices: ScatterND with reduction "add". */
const scatterNd: OpConverter = (c, n) => {
  const type = onnxTypeOf(attrDtype(n, "T"));
  const zero = type === onnxTypeOf("float32") ? floatTensor("zero", [1], [0]) : int64Tensor("zero", [1], [0]);
  const zeros = c.b.op("ConstantOfShape", [c.input(n, 2)], `${n.name}/zeros`, { value: { t: { ...zero, dataType: type } } });
  return [c.b.op("ScatterND", [zeros, c.input(n, 0), c.input(n, 1)], n.name, { reduction: { s: "add" } })];
};

/** SparseToDense(indices [N, rank], shape, values [N], default): broadcast the default, then scatter. */
const sparseToDense: OpConverter = (c, n) => {
  if (c.rank(n.inputs[0]!) !== 2 || c.rank(n.inputs[2]!) !== 1) unsupported(n, "anything but [N, rank] indices with [N] values");
  const filled = c.b.op("Expand", [c.input(n, 3), c.input(n, 1)], `${n.name}/default`);
  return [c.b.op("ScatterND", [filled, c.input(n, 0), c.input(n, 2)], n.name)];
};

/** One-input Where lists the coordinates of true elements as [N, rank]; ONNX NonZero gives [rank, N]. */
const where: OpConverter = (c, n) => {
  if (n.inputs.length === 3) return [c.b.op("Where", [c.input(n, 0), c.input(n, 1), c.input(n, 2)], n.name)];
  const coords = c.b.op("NonZero", [c.input(n, 0)], `${n.name}/nonzero`);
  return [c.b.op("Transpose", [coords], n.name, { perm: { ints: [1, 0] } })];
};

const gather: OpConverter = (c, n) => {
  if (attrInt(n, "batch_dims", 0) !== 0) unsupported(n, "batch_dims");
  const [axis] = constInts(c, n, 2);
  return [c.b.op("Gather", [c.input(n, 0), c.input(n, 1)], n.name, { axis: { i: axis! } })];
};

const splitV: OpConverter = (c, n) => {
  const sizes = constInts(c, n, 1);
  const [axis] = constInts(c, n, 2);
  if (sizes.includes(-1)) unsupported(n, "an inferred (-1) split size");
  return c.b.add("Split", [c.input(n, 0), c.b.int64s(`${n.name}/sizes`, sizes)], n.name, { axis: { i: axis! } }, sizes.length);
};

const squeeze: OpConverter = (c, n) => {
  const axes = attrInts(n, "squeeze_dims");
  const inputs = axes.length ? [c.input(n, 0), c.b.int64s(`${n.name}/axes`, axes)] : [c.input(n, 0)];
  return [c.b.op("Squeeze", inputs, n.name)];
};

export const shapeOps: Record<string, OpConverter> = {
  Shape: (c, n) => [c.b.op("Shape", [c.input(n, 0)], n.name)],
  Reshape: (c, n) => [c.b.op("Reshape", [c.input(n, 0), c.input(n, 1)], n.name)],
  ExpandDims: (c, n) => [c.b.op("Unsqueeze", [c.input(n, 0), c.b.int64s(`${n.name}/axes`, constInts(c, n, 1))], n.name)],
  Squeeze: squeeze,
  Transpose: (c, n) => [c.b.op("Transpose", [c.input(n, 0)], n.name, { perm: { ints: constInts(c, n, 1) } })],
  StridedSlice: stridedSlice,
  Slice: slice,
  Pack: pack,
  ConcatV2: concat,
  SplitV: splitV,
  GatherV2: gather,
  GatherNd: (c, n) => [c.b.op("GatherND", [c.input(n, 0), c.input(n, 1)], n.name)],
  ScatterNd: scatterNd,
  SparseToDense: sparseToDense,
  Where: where,
  Range: (c, n) => [c.b.op("Range", [c.input(n, 0), c.input(n, 1), c.input(n, 2)], n.name)],
};
