/** Merging layers: element-wise Add/Subtract/Multiply/Average/Maximum/Minimum, Concatenate, Dot. */
import { int, str, type OnnxGraph } from '../graph.js';
import { normAxis, NotExportable, type Converter, type LayerCall } from './types.js';

function nary(op: 'Sum' | 'Max' | 'Min'): Converter {
  return (g, call) => [call.inputs.length === 1 ? (call.inputs[0] as string) : g.node(op, call.inputs, {}, call.layer.name)];
}

const multiply: Converter = (g, call) => {
  let y = call.inputs[0] as string;
  for (const x of call.inputs.slice(1)) y = g.node('Mul', [y, x], {}, call.layer.name);
  return [y];
};

const subtract: Converter = (g, call) => {
  if (call.inputs.length !== 2) throw new NotExportable(call, `it takes 2 inputs, got ${call.inputs.length}`);
  return [g.node('Sub', call.inputs, {}, call.layer.name)];
};

const average: Converter = (g, call) => {
  const name = call.layer.name;
  const sum = g.node('Sum', call.inputs, {}, `${name}/Sum`);
  return [g.node('Div', [sum, g.scalar(`${name}/n`, call.inputs.length)], {}, name)];
};

const concatenate: Converter = (g, call) => [g.node('Concat', call.inputs, { axis: int((call.config.axis as number | undefined) ?? -1) }, call.layer.name)];

/** x / sqrt(max(sum(x^2, axis), 1e-12)), Keras's l2_normalize. */
function l2Normalize(g: OnnxGraph, x: string, axis: number, base: string): string {
  const sq = g.node('ReduceSum', [g.node('Mul', [x, x], {}, `${base}/Square`), g.int64Const(`${base}/axes`, [axis])], { keepdims: int(1) }, `${base}/SumSq`);
  const norm = g.node('Sqrt', [g.node('Max', [sq, g.scalar(`${base}/eps`, 1e-12)], {}, `${base}/Max`)], {}, `${base}/Sqrt`);
  return g.node('Div', [x, norm], {}, `${base}/Div`);
}

/** Keras Dot (batch_dot): contracts axes[0] of the first input with axes[1] of the second, as an Einsum. */
const dot: Converter = (g, call: LayerCall) => {
  const [a, b] = call.inputs;
  if (a === undefined || b === undefined || call.inputs.length !== 2) throw new NotExportable(call, 'it takes 2 inputs');
  const ra = call.inputShapes[0]?.length ?? 2;
  const rb = call.inputShapes[1]?.length ?? 2;
  const raw = call.config.axes;
  const [axA, axB] = (Array.isArray(raw) ? raw : [raw, raw]).map((v, i) => normAxis(v as number, i === 0 ? ra : rb)) as [number, number];
  const name = call.layer.name;
  let x = a;
  let y = b;
  if (call.config.normalize === true) {
    x = l2Normalize(g, x, axA, `${name}/normalize_0`);
    y = l2Normalize(g, y, axB, `${name}/normalize_1`);
  }
  const letters = 'cdefghijklmnopq';
  let next = 0;
  const sa = ['b', ...Array.from({ length: ra - 1 }, (_, i) => (i + 1 === axA ? 'z' : letters[next++] as string))];
  const sb = ['b', ...Array.from({ length: rb - 1 }, (_, i) => (i + 1 === axB ? 'z' : letters[next++] as string))];
  const out = ['b', ...sa.slice(1).filter((c) => c !== 'z'), ...sb.slice(1).filter((c) => c !== 'z')];
  const eq = `${sa.join('')},${sb.join('')}->${out.join('')}`;
  const z = g.node('Einsum', [x, y], { equation: str(eq) }, `${name}/Einsum`);
  // Keras's batch_dot of two vectors per sample keeps a trailing axis of 1.
  return [out.length === 1 ? g.node('Unsqueeze', [z, g.int64Const(`${name}/axes`, [1])], {}, name) : z];
};

export const MERGE_CONVERTERS: Record<string, Converter> = {
  Add: nary('Sum'),
  Subtract: subtract,
  Multiply: multiply,
  Average: average,
  Maximum: nary('Max'),
  Minimum: nary('Min'),
  Concatenate: concatenate,
  Dot: dot,
};


