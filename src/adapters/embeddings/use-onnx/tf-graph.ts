import { readFile } from "node:fs/promises";
import path from "node:path";

/** The TensorFlow dtypes a TF.js graph model can carry that the converter handles. */
export type TfDtype = "float32" | "int32" | "int64" | "bool";

export interface TfTensor {
  dtype: TfDtype;
  shape: number[];
  /** int64 weights are narrowed to int32 by the TF.js converter, so two arrays suffice. */
  data: Float32Array | Int32Array;
}

/** One attribute as model.json stores it: an AttrValue proto rendered as JSON. */
export type TfAttr = {
  i?: string | number;
  f?: number;
  b?: boolean;
  s?: string | number[];
  type?: string | number;
  list?: { i?: (string | number)[]; s?: unknown[] };
  shape?: { dim?: { size: string | number }[]; unknownRank?: boolean };
  tensor?: unknown;
};

export interface TfNode {
  name: string;
  op: string;
  /** Data inputs as "node" or "node:k"; control inputs ("^node") are dropped. */
  inputs: string[];
  attr: Record<string, TfAttr>;
}

export interface TfGraph {
  nodes: TfNode[];
  /** Const node values, by node name (TF.js moves every Const into the weight shards). */
  weights: Map<string, TfTensor>;
}

interface ModelJson {
  modelTopology: { node: { name: string; op: string; input?: string[]; attr?: Record<string, TfAttr> }[] };
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[] }[];
}

// TensorFlow's DataType enum (types.proto); model.json spells it as a number or a name.
const TF_DTYPES: Record<string, TfDtype> = {
  "1": "float32",
  DT_FLOAT: "float32",
  "3": "int32",
  DT_INT32: "int32",
  "9": "int64",
  DT_INT64: "int64",
  "10": "bool",
  DT_BOOL: "bool",
};

export function tfDtypeOf(value: string | number | undefined): TfDtype {
  const dtype = TF_DTYPES[String(value)];
  if (!dtype) throw new Error(`unsupported TensorFlow dtype ${String(value)}`);
  return dtype;
}

export function attrInt(node: TfNode, name: string, fallback?: number): number {
  const v = node.attr[name]?.i;
  if (v === undefined) {
    if (fallback === undefined) throw new Error(`${node.op} ${node.name}: missing attribute ${name}`);
    return fallback;
  }
  return Number(v);
}

export function attrBool(node: TfNode, name: string, fallback = false): boolean {
  return node.attr[name]?.b ?? fallback;
}

export function attrInts(node: TfNode, name: string): number[] {
  return (node.attr[name]?.list?.i ?? []).map(Number);
}

/** String attributes arrive as base64 text or as a byte array depending on the exporter. */
export function attrString(node: TfNode, name: string, fallback = ""): string {
  const s = node.attr[name]?.s;
  if (s === undefined) return fallback;
  return Array.isArray(s) ? String.fromCharCode(...s) : Buffer.from(s, "base64").toString("latin1");
}

export function attrDtype(node: TfNode, name: string): TfDtype {
  return tfDtypeOf(node.attr[name]?.type);
}

/** Reads model.json and its weight shards (the layout `tensorflowjs_converter` writes). */
export async function readTfjsGraphModel(dir: string): Promise<TfGraph> {
  const json = JSON.parse(await readFile(path.join(dir, "model.json"), "utf8")) as ModelJson;
  const weights = new Map<string, TfTensor>();
  for (const group of json.weightsManifest) {
    const shards = await Promise.all(group.paths.map((p) => readFile(path.join(dir, p))));
    const bytes = Buffer.concat(shards);
    let offset = 0;
    for (const w of group.weights) {
      if (w.quantization !== undefined) throw new Error(`quantised TF.js weight ${w.name} is not supported`);
      if (w.dtype !== "float32" && w.dtype !== "int32") throw new Error(`TF.js weight ${w.name}: dtype ${w.dtype} is not supported`);
      const dtype: TfDtype = w.dtype;
      const count = w.shape.reduce((a, b) => a * b, 1);
      // Copy out of the shard buffer: typed arrays need 4-byte alignment.
      const slice = new Uint8Array(bytes.subarray(offset, offset + count * 4)).buffer;
      const data = dtype === "float32" ? new Float32Array(slice) : new Int32Array(slice);
      weights.set(w.name, { dtype, shape: w.shape, data });
      offset += count * 4;
    }
    if (offset !== bytes.length) throw new Error(`weight manifest covers ${offset} of ${bytes.length} shard bytes`);
  }
  const nodes = json.modelTopology.node.map((n) => ({
    name: n.name,
    op: n.op,
    inputs: (n.input ?? []).filter((i) => !i.startsWith("^")),
    attr: n.attr ?? {},
  }));
  return { nodes, weights };
}
