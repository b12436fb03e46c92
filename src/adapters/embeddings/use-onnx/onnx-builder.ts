import { OnnxType, type OnnxAttr, type OnnxNode, type OnnxTensor } from "./onnx-proto.js";

/** ONNX Slice's "to the end" / "from the start" sentinels. */
export const INT64_MAX = 2n ** 63n - 1n;
export const INT64_MIN = -(2n ** 63n);

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

export function floatTensor(name: string, dims: number[], data: Float32Array | readonly number[]): OnnxTensor {
  const values = data instanceof Float32Array ? data : Float32Array.from(data);
  return { name, dataType: OnnxType.FLOAT, dims, raw: bytesOf(values) };
}

export function int64Tensor(name: string, dims: number[], data: ArrayLike<number | bigint>): OnnxTensor {
  const values = BigInt64Array.from(Array.from(data, (v) => BigInt(v)));
  return { name, dataType: OnnxType.INT64, dims, raw: bytesOf(values) };
}

export function int8Tensor(name: string, dims: number[], data: Int8Array): OnnxTensor {
  return { name, dataType: OnnxType.INT8, dims, raw: bytesOf(data) };
}

/**
 * Collects nodes and initializers with collision-free value names. The
 * converter addresses values by name only, as ONNX does.
 */
export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers = new Map<string, OnnxTensor>();
  private readonly used = new Set<string>();

  /** A value name derived from `hint` that nothing else uses yet. */
  fresh(hint: string): string {
    let name = hint;
    for (let n = 1; this.used.has(name); n++) name = `${hint}__${n}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node and returns its output names (`count` of them, named after `hint`). */
  add(opType: string, inputs: string[], hint: string, attrs?: Record<string, OnnxAttr>, count = 1): string[] {
    const outputs = Array.from({ length: count }, (_, k) => this.fresh(count === 1 ? hint : `${hint}:${k}`));
    this.nodes.push({ opType, inputs, outputs, name: this.fresh(`${hint}/${opType}`), ...(attrs ? { attrs } : {}) });
    return outputs;
  }

  /** Like add() for single-output nodes. */
  op(opType: string, inputs: string[], hint: string, attrs?: Record<string, OnnxAttr>): string {
    return this.add(opType, inputs, hint, attrs)[0]!;
  }

  /** Registers a tensor as an initializer under a fresh name derived from its own. */
  constant(tensor: OnnxTensor): string {
    const name = this.fresh(tensor.name);
    this.initializers.set(name, { ...tensor, name });
    return name;
  }

  int64s(hint: string, values: readonly (number | bigint)[]): string {
    return this.constant(int64Tensor(hint, [values.length], values));
  }

  scalarInt64(hint: string, value: number): string {
    return this.constant(int64Tensor(hint, [], [value]));
  }
}
