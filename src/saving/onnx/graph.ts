/**
 * Builds an ONNX graph: nodes in the order they are added (already topological, since a node is
 * added only once its inputs exist), weights as initializers, unique value names.
 */
import { AttributeType, DataType, type AttributeMessage, type DataTypeValue, type NodeMessage, type TensorMessage } from './proto.js';

/** An attribute value, tagged with its ONNX type. */
export type Attr =
  | { int: number }
  | { float: number }
  | { ints: number[] }
  | { floats: number[] }
  | { string: string }
  | { strings: string[] };

export const int = (v: number): Attr => ({ int: v });
export const float = (v: number): Attr => ({ float: v });
export const ints = (v: number[]): Attr => ({ ints: v });
export const floats = (v: number[]): Attr => ({ floats: v });
export const str = (v: string): Attr => ({ string: v });
export const strs = (v: string[]): Attr => ({ strings: v });

const utf8 = new TextEncoder();

function attribute(name: string, a: Attr): AttributeMessage {
  if ('int' in a) return { name, type: AttributeType.INT, i: a.int };
  if ('float' in a) return { name, type: AttributeType.FLOAT, f: a.float };
  if ('ints' in a) return { name, type: AttributeType.INTS, ints: a.ints };
  if ('floats' in a) return { name, type: AttributeType.FLOATS, floats: a.floats };
  if ('string' in a) return { name, type: AttributeType.STRING, s: utf8.encode(a.string) };
  return { name, type: AttributeType.STRINGS, strings: a.strings.map((s) => utf8.encode(s)) };
}

function rawBytes(data: Float32Array | BigInt64Array | Int32Array): Uint8Array {
  // ONNX raw_data is little-endian, as typed arrays are on every platform Node runs on.
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

export class OnnxGraph {
  readonly nodes: NodeMessage[] = [];
  readonly initializers: TensorMessage[] = [];
  private readonly used = new Set<string>();

  /** A fresh value name starting with `base`. */
  name(base: string): string {
    const clean = base.replace(/\s+/g, '_');
    let n = clean;
    for (let k = 1; this.used.has(n); k++) n = `${clean}_${k}`;
    this.used.add(n);
    return n;
  }

  /** Reserves a name exactly as given (graph inputs and outputs keep Keras's names). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`internal: ONNX value name "${name}" used twice`);
    this.used.add(name);
    return name;
  }

  /** Adds a node with `outputs` outputs; returns their names. Attributes that are undefined are left out. */
  nodeN(op: string, inputs: string[], outputs: number, attrs: Record<string, Attr | undefined> = {}, base = op): string[] {
    const out = Array.from({ length: outputs }, (_, i) => this.name(outputs === 1 ? base : `${base}_${i}`));
    this.nodes.push({
      name: this.name(`${base}_node`),
      op_type: op,
      input: inputs,
      output: out,
      attribute: Object.entries(attrs).flatMap(([k, v]) => (v === undefined ? [] : [attribute(k, v)])),
    });
    return out;
  }

  /** Adds a single-output node; returns its output's name. */
  node(op: string, inputs: string[], attrs: Record<string, Attr | undefined> = {}, base = op): string {
    return this.nodeN(op, inputs, 1, attrs, base)[0] as string;
  }

  /** Adds a node whose output name is fixed (the graph's outputs). */
  nodeTo(op: string, inputs: string[], output: string, attrs: Record<string, Attr | undefined> = {}): void {
    this.nodes.push({ name: this.name(`${output}_node`), op_type: op, input: inputs, output: [output], attribute: Object.entries(attrs).flatMap(([k, v]) => (v === undefined ? [] : [attribute(k, v)])) });
  }

  private tensor(base: string, dims: number[], type: DataTypeValue, data: Float32Array | BigInt64Array | Int32Array): string {
    const name = this.name(base);
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`internal: initializer "${name}" has ${data.length} values for dims [${dims.join(', ')}]`);
    this.initializers.push({ name, dims, data_type: type, raw_data: rawBytes(data) });
    return name;
  }

  /** A float32 constant (weights, scales). */
  floatConst(base: string, data: ArrayLike<number>, dims: number[]): string {
    return this.tensor(base, dims, DataType.FLOAT, Float32Array.from(data));
  }

  /** A float32 scalar. */
  scalar(base: string, v: number): string {
    return this.floatConst(base, [v], []);
  }

  /** An int64 constant (shapes, axes, indices). */
  int64Const(base: string, data: number[], dims: number[] = [data.length]): string {
    return this.tensor(base, dims, DataType.INT64, BigInt64Array.from(data, (v) => BigInt(v)));
  }

  /** Transpose with a permutation. */
  transpose(x: string, perm: number[], base = 'Transpose'): string {
    return this.node('Transpose', [x], { perm: ints(perm) }, base);
  }

  /** Reshape to `shape` (0 keeps that input dimension, -1 infers one). */
  reshape(x: string, shape: number[], base = 'Reshape'): string {
    return this.node('Reshape', [x, this.int64Const(`${base}_shape`, shape)], {}, base);
  }

  /** x @ w + b for a [in, out] kernel and [out] bias (any rank of x). */
  dense(x: string, kernel: string, bias: string | undefined, base: string): string {
    const y = this.node('MatMul', [x, kernel], {}, `${base}/MatMul`);
    return bias ? this.node('Add', [y, bias], {}, `${base}/BiasAdd`) : y;
  }
}

export { DataType };
