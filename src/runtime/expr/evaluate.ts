/**
 * Meaning of a parsed Lambda expression: name/function checks (`checkExpr`), output-shape
 * inference (`inferShape`) and evaluation with tfjs ops (`evaluate`). The function table is the
 * whole vocabulary a config can use; axes count the batch axis as 0, like Keras backend functions.
 */
import * as tf from '@tensorflow/tfjs';
import { didYouMean } from '../../util/suggest.js';
import { ExprError, parseExpr, type Node } from './parse.js';

export type Shape = (number | null)[];

type Unary = (x: tf.Tensor) => tf.Tensor;
const UNARY: Record<string, Unary> = {
  abs: (x) => tf.abs(x),
  exp: (x) => tf.exp(x),
  log: (x) => tf.log(x),
  sqrt: (x) => tf.sqrt(x),
  square: (x) => tf.square(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  relu: (x) => tf.relu(x),
  softplus: (x) => tf.softplus(x),
  sin: (x) => tf.sin(x),
  cos: (x) => tf.cos(x),
  sign: (x) => tf.sign(x),
  neg: (x) => tf.neg(x),
  negative: (x) => tf.neg(x),
  floor: (x) => tf.floor(x),
  ceil: (x) => tf.ceil(x),
  round: (x) => tf.round(x),
  elu: (x) => tf.elu(x),
  log1p: (x) => tf.log1p(x),
  reciprocal: (x) => tf.reciprocal(x),
};
type Reduce = (x: tf.Tensor, axis: number, keepDims: boolean) => tf.Tensor;
const REDUCE: Record<string, Reduce> = {
  mean: (x, a, k) => tf.mean(x, a, k),
  sum: (x, a, k) => tf.sum(x, a, k),
  max: (x, a, k) => tf.max(x, a, k),
  min: (x, a, k) => tf.min(x, a, k),
  prod: (x, a, k) => tf.prod(x, a, k),
  logsumexp: (x, a, k) => tf.logSumExp(x, a, k),
};
type Binary = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
const BINARY: Record<string, Binary> = {
  maximum: (a, b) => tf.maximum(a, b),
  minimum: (a, b) => tf.minimum(a, b),
  pow: (a, b) => tf.pow(a, b),
};
/** Same-shape functions that take an axis (default -1). */
const AXIS_KEEP: Record<string, (x: tf.Tensor, axis: number) => tf.Tensor> = {
  softmax: (x, a) => (a === x.rank - 1 ? tf.softmax(x) : tf.transpose(tf.softmax(tf.transpose(x, swap(x.rank, a))), swap(x.rank, a))),
  l2_normalize: (x, a) => tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), a, true), 1e-12))),
  cumsum: (x, a) => tf.cumsum(x, a),
};
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };
/** Own keys only: `constructor` or `toString` must never resolve through Object.prototype. */
const has = (table: object, key: string): boolean => Object.hasOwn(table, key);

function swap(rank: number, a: number): number[] {
  const p = Array.from({ length: rank }, (_, i) => i);
  p[a] = rank - 1;
  p[rank - 1] = a;
  return p;
}

/** Every function name the language knows, for messages and docs. */
export const FUNCTIONS = [...Object.keys(UNARY), ...Object.keys(REDUCE), ...Object.keys(BINARY), ...Object.keys(AXIS_KEEP), 'clip'];

/** The names an expression may use for its inputs: `x` (first input), `x0`..`xN`, `x[i]`, `inputs[i]`. */
function inputIndex(name: string): number | undefined {
  if (name === 'x' || name === 'inputs') return 0;
  const m = /^x(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

function argCountError(n: Node & { kind: 'call' }, want: string): ExprError {
  return new ExprError(`${n.name}() takes ${want}, got ${n.args.length}`, n.pos);
}

/** Walks the tree generically: `leaf` for inputs/constants, `apply` for each operation. */
interface Algebra<T> {
  input(i: number, n: Node): T;
  num(v: number): T;
  unary(fn: Unary, x: T, n: Node): T;
  binary(fn: Binary, a: T, b: T, n: Node): T;
  reduce(fn: Reduce, x: T, axis: number, keepDims: boolean, n: Node): T;
  axisKeep(fn: (x: tf.Tensor, axis: number) => tf.Tensor, x: T, axis: number, n: Node): T;
  clip(x: T, lo: number, hi: number): T;
}

function constantOf(n: Node | undefined, what: string, at: Node): number {
  if (!n) throw new ExprError(`missing ${what}`, at.pos);
  if (n.kind === 'num') return n.value;
  if (n.kind === 'unary' && n.arg.kind === 'num') return -n.arg.value;
  if (n.kind === 'name' && has(CONSTANTS, n.name)) return CONSTANTS[n.name] as number;
  if (n.kind === 'name' && (n.name === 'True' || n.name === 'true')) return 1;
  if (n.kind === 'name' && (n.name === 'False' || n.name === 'false')) return 0;
  throw new ExprError(`${what} must be a number written in the expression`, n.pos);
}

function walk<T>(root: Node, nInputs: number, alg: Algebra<T>): T {
  const go = (n: Node): T => {
    switch (n.kind) {
      case 'num': return alg.num(n.value);
      case 'name': {
        if (has(CONSTANTS, n.name)) return alg.num(CONSTANTS[n.name] as number);
        const i = inputIndex(n.name);
        if (i === undefined) {
          const names = ['x', ...Array.from({ length: nInputs }, (_, j) => `x${j}`), ...Object.keys(CONSTANTS)];
          throw new ExprError(`unknown name "${n.name}": the input is "x"${nInputs > 1 ? ` (x[0]..x[${nInputs - 1}])` : ''}${didYouMean(n.name, names)}`, n.pos);
        }
        if (i >= nInputs) throw new ExprError(`"${n.name}" is input ${i}, but the layer has ${nInputs} input${nInputs === 1 ? '' : 's'}`, n.pos);
        return alg.input(i, n);
      }
      case 'index': {
        if (n.target.kind !== 'name' || inputIndex(n.target.name) !== 0 || n.target.name.length > 1 && n.target.name !== 'inputs') {
          throw new ExprError('only the inputs can be indexed: x[0], x[1]', n.pos);
        }
        if (n.index >= nInputs) throw new ExprError(`x[${n.index}] does not exist: the layer has ${nInputs} input${nInputs === 1 ? '' : 's'}`, n.pos);
        return alg.input(n.index, n);
      }
      case 'unary': return alg.unary(UNARY.neg as Unary, go(n.arg), n);
      case 'binary': {
        const fns: Record<string, Binary> = { '+': tf.add, '-': tf.sub, '*': tf.mul, '/': tf.div, '**': tf.pow };
        return alg.binary(fns[n.op] as Binary, go(n.left), go(n.right), n);
      }
      case 'call': return call(n);
    }
  };
  const axisOf = (n: Node & { kind: 'call' }, pos: number): number => {
    const a = n.kwargs.axis ?? n.args[pos];
    return a === undefined ? -1 : constantOf(a, 'axis', n);
  };
  const call = (n: Node & { kind: 'call' }): T => {
    const known = new Set(['axis', 'keepdims', 'min_value', 'max_value']);
    for (const k of Object.keys(n.kwargs)) {
      if (!known.has(k)) throw new ExprError(`${n.name}() has no argument "${k}"${didYouMean(k, [...known])}`, n.pos);
    }
    const fn = n.name;
    if (has(UNARY, fn)) {
      if (n.args.length !== 1) throw argCountError(n, '1 argument');
      return alg.unary(UNARY[fn] as Unary, go(n.args[0] as Node), n);
    }
    if (has(BINARY, fn)) {
      if (n.args.length !== 2) throw argCountError(n, '2 arguments');
      return alg.binary(BINARY[fn] as Binary, go(n.args[0] as Node), go(n.args[1] as Node), n);
    }
    if (has(REDUCE, fn)) {
      if (n.args.length < 1 || n.args.length > 3) throw argCountError(n, '1 to 3 arguments (x, axis, keepdims)');
      const keep = n.kwargs.keepdims ?? n.args[2];
      return alg.reduce(REDUCE[fn] as Reduce, go(n.args[0] as Node), axisOf(n, 1), keep ? constantOf(keep, 'keepdims', n) !== 0 : false, n);
    }
    if (has(AXIS_KEEP, fn)) {
      if (n.args.length < 1 || n.args.length > 2) throw argCountError(n, '1 or 2 arguments (x, axis)');
      return alg.axisKeep(AXIS_KEEP[fn] as (x: tf.Tensor, a: number) => tf.Tensor, go(n.args[0] as Node), axisOf(n, 1), n);
    }
    if (fn === 'clip') {
      const lo = n.kwargs.min_value ?? n.args[1];
      const hi = n.kwargs.max_value ?? n.args[2];
      if (n.args.length < 1) throw argCountError(n, '3 arguments (x, min_value, max_value)');
      return alg.clip(go(n.args[0] as Node), constantOf(lo, 'min_value', n), constantOf(hi, 'max_value', n));
    }
    const dym = didYouMean(fn, FUNCTIONS);
    throw new ExprError(`unknown function "${fn}"${dym || `; known functions: ${FUNCTIONS.join(', ')}`}`, n.pos);
  };
  return go(root);
}

/** Parses and checks names, functions and argument counts (no shapes yet): what config loading reports. */
export function checkExpr(src: string, nInputs = 1): Node {
  const tree = parseExpr(src);
  const unit = { input: () => 0, num: () => 0, unary: () => 0, binary: () => 0, reduce: () => 0, axisKeep: () => 0, clip: () => 0 };
  walk<number>(tree, Math.max(nInputs, 1), unit);
  return tree;
}

function broadcast(a: Shape, b: Shape, n: Node): Shape {
  const r = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < r; i++) {
    // a missing leading dimension broadcasts like 1; an unknown one (null) stays unknown
    const ia = a.length - r + i;
    const ib = b.length - r + i;
    const da = ia < 0 ? 1 : (a[ia] as number | null);
    const db = ib < 0 ? 1 : (b[ib] as number | null);
    if (da === 1) out.push(db);
    else if (db === 1 || da === db || db === null) out.push(da);
    else if (da === null) out.push(db);
    else throw new ExprError(`shapes ${fmt(a)} and ${fmt(b)} cannot be combined (dimension ${da} vs ${db})`, n.pos);
  }
  return out;
}

const fmt = (s: Shape): string => `(${s.map((d) => (d === null ? 'None' : d)).join(', ')}${s.length === 1 ? ',' : ''})`;

function normAxis(axis: number, rank: number, n: Node): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ExprError(`axis ${axis} is out of range for a rank-${rank} tensor`, n.pos);
  if (a === 0) throw new ExprError('axis 0 is the batch axis; use axis 1 or more (or -1 for the last)', n.pos);
  return a;
}

/** Output shape (batch dimension included) for the given input shapes. */
export function inferShape(tree: Node, inputs: Shape[]): Shape {
  return walk<Shape>(tree, inputs.length, {
    input: (i) => inputs[i] as Shape,
    num: () => [],
    unary: (_f, x) => x,
    binary: (_f, a, b, n) => broadcast(a, b, n),
    reduce: (_f, x, axis, keep, n) => {
      const a = normAxis(axis, x.length, n);
      return keep ? x.map((d, i) => (i === a ? 1 : d)) : x.filter((_, i) => i !== a);
    },
    axisKeep: (_f, x, axis, n) => { normAxis(axis, x.length, n); return x; },
    clip: (x) => x,
  });
}

/** Computes the expression on tensors (call inside tf.tidy). */
export function evaluate(tree: Node, inputs: tf.Tensor[]): tf.Tensor {
  return walk<tf.Tensor>(tree, inputs.length, {
    input: (i) => inputs[i] as tf.Tensor,
    num: (v) => tf.scalar(v),
    unary: (f, x) => f(x),
    binary: (f, a, b) => f(a, b),
    reduce: (f, x, axis, keep, n) => f(x, normAxis(axis, x.rank, n), keep),
    axisKeep: (f, x, axis, n) => f(x, normAxis(axis, x.rank, n)),
    clip: (x, lo, hi) => tf.clipByValue(x, lo, hi),
  });
}
