/**
 * A minimal writer for the ONNX protobuf format: just the messages a converted
 * inference graph needs. Hand-written (field numbers from onnx/onnx.proto) so
 * the converter needs no protobuf library or bundled schema; onnxruntime
 * parses and checks the result, and the tests load every model it writes.
 */

/** TensorProto.DataType values used here. */
export const OnnxType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type OnnxType = (typeof OnnxType)[keyof typeof OnnxType];

export interface OnnxTensor {
  name: string;
  dataType: OnnxType;
  dims: number[];
  /** Little-endian element bytes (TensorProto.raw_data). */
  raw: Uint8Array;
}

export type OnnxAttr = { i: number } | { f: number } | { s: string } | { ints: number[] } | { t: OnnxTensor };

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, OnnxAttr>;
}

export interface OnnxValueInfo {
  name: string;
  elemType: OnnxType;
  /** A number is a fixed size, a string a named dynamic dimension; undefined = unknown rank. */
  dims?: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  graph: OnnxGraph;
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
}

/** Accumulates one protobuf message; nested messages are encoded first and embedded as bytes. */
class MessageWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private varint(value: number | bigint): void {
    // int64 fields carry negatives as their 64-bit two's complement (10 bytes).
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    do {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      out.push(v > 0n ? byte | 0x80 : byte);
    } while (v > 0n);
    this.push(Uint8Array.from(out));
  }

  int(field: number, value: number | bigint): this {
    this.varint(field << 3);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.varint((field << 3) | 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function encodeTensor(t: OnnxTensor): Uint8Array {
  const w = new MessageWriter();
  for (const d of t.dims) w.int(1, d);
  return w.int(2, t.dataType).string(8, t.name).bytes(9, t.raw).finish();
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_TENSOR = 4;
const ATTR_INTS = 7;

function encodeAttr(name: string, a: OnnxAttr): Uint8Array {
  const w = new MessageWriter().string(1, name);
  if ("f" in a) w.float(2, a.f).int(20, ATTR_FLOAT);
  else if ("i" in a) w.int(3, a.i).int(20, ATTR_INT);
  else if ("s" in a) w.string(4, a.s).int(20, ATTR_STRING);
  else if ("t" in a) w.bytes(5, encodeTensor(a.t)).int(20, ATTR_TENSOR);
  else {
    for (const v of a.ints) w.int(8, v);
    w.int(20, ATTR_INTS);
  }
  return w.finish();
}

function encodeNode(n: OnnxNode): Uint8Array {
  const w = new MessageWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, a] of Object.entries(n.attrs ?? {})) w.bytes(5, encodeAttr(k, a));
  if (n.domain) w.string(7, n.domain);
  return w.finish();
}

function encodeValueInfo(v: OnnxValueInfo): Uint8Array {
  const tensorType = new MessageWriter().int(1, v.elemType);
  if (v.dims) {
    const shape = new MessageWriter();
    for (const d of v.dims) {
      const dim = typeof d === "number" ? new MessageWriter().int(1, d) : new MessageWriter().string(2, d);
      shape.bytes(1, dim.finish());
    }
    tensorType.bytes(2, shape.finish());
  }
  const type = new MessageWriter().bytes(1, tensorType.finish()).finish();
  return new MessageWriter().string(1, v.name).bytes(2, type).finish();
}

function encodeGraph(g: OnnxGraph): Uint8Array {
  const w = new MessageWriter();
  for (const n of g.nodes) w.bytes(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.bytes(5, encodeTensor(t));
  for (const v of g.inputs) w.bytes(11, encodeValueInfo(v));
  for (const v of g.outputs) w.bytes(12, encodeValueInfo(v));
  return w.finish();
}

/** Serialises a model to the bytes of an .onnx file (ModelProto). */
export function encodeOnnxModel(m: OnnxModel): Uint8Array {
  const opset = new MessageWriter().string(1, "").int(2, m.opsetVersion).finish();
  return new MessageWriter().int(1, m.irVersion).string(2, m.producerName).string(3, m.producerVersion).bytes(7, encodeGraph(m.graph)).bytes(8, opset).finish();
}
