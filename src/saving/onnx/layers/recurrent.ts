/**
 * LSTM, GRU and SimpleRNN as ONNX's own LSTM, GRU and RNN ops; Bidirectional as their
 * "bidirectional" direction.
 *
 * - Gate order: Keras's LSTM kernel holds the gates i, f, c, o; ONNX's W/R/B hold i, o, f, c.
 *   GRU is z, r, h in both. Kernels are (in, gates*units) in Keras and (gates*units, in) in ONNX.
 * - GRU reset_after=true (Keras's default) is ONNX linear_before_reset=1 with Keras's two bias
 *   rows as ONNX's Wb and Rb; reset_after=false has one bias (Rb = 0) and linear_before_reset=0.
 * - ONNX runs time-major (T, N, F): the input is transposed in and the output back. go_backwards
 *   reverses the input along time (Keras then returns the sequence in that reversed order).
 */
import type * as tf from '@tensorflow/tfjs';
import { activationName } from '../activations.js';
import { floats, int, str, strs, type OnnxGraph } from '../graph.js';
import { findWeight, NotExportable, weight, type Converter, type LayerCall } from './types.js';

type Kind = 'LSTM' | 'GRU' | 'RNN';

interface RnnLayer extends tf.layers.Layer {
  cell: tf.layers.Layer & { units: number; activation?: unknown; recurrentActivation?: unknown; resetAfter?: boolean; useBias?: boolean };
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;

}

/**
 * ONNX's names of the activations its RNN ops take. HardSigmoid is tfjs's hard sigmoid
 * (0.2 x + 0.5, tfjs's default recurrent activation), its alpha/beta given for every entry.
 */
const RNN_ACTIVATIONS: Record<string, string> = { sigmoid: 'Sigmoid', tanh: 'Tanh', relu: 'Relu', softsign: 'Softsign', softplus: 'Softplus', hardSigmoid: 'HardSigmoid' };

function onnxActivation(call: LayerCall, act: unknown): string {
  const name = activationName(act);
  const a = RNN_ACTIVATIONS[name];
  if (!a) throw new NotExportable(call, `the activation "${name}" has no ONNX RNN form (use sigmoid, tanh, relu, softsign, softplus or hard_sigmoid)`);
  return a;
}

interface DirectionWeights {
  W: Float32Array;
  R: Float32Array;
  B: Float32Array;
}

/** Keras gate block `src` of a (rows, gates*u) matrix, into ONNX's (gates*u, rows) at block `dst`. */
function placeGate(out: Float32Array, m: Float32Array, rows: number, u: number, gates: number, src: number, dst: number): void {
  const cols = gates * u;
  for (let j = 0; j < u; j++) for (let r = 0; r < rows; r++) out[(dst * u + j) * rows + r] = m[r * cols + src * u + j] ?? 0;
}

/** One direction's W, R, B in ONNX's layout and gate order. */
function directionWeights(kind: Kind, layer: RnnLayer, call: LayerCall): DirectionWeights {
  const u = layer.cell.units;
  const gates = kind === 'LSTM' ? 4 : kind === 'GRU' ? 3 : 1;
  // ONNX gate block d takes Keras's block order[d].
  const order = kind === 'LSTM' ? [0, 3, 1, 2] : kind === 'GRU' ? [0, 1, 2] : [0];
  const k = weight(layer, 'kernel');
  const rk = weight(layer, 'recurrent_kernel');
  const input = k.shape[0] ?? 0;
  const W = new Float32Array(gates * u * input);
  const R = new Float32Array(gates * u * u);
  const B = new Float32Array(2 * gates * u);
  order.forEach((src, dst) => {
    placeGate(W, k.values, input, u, gates, src, dst);
    placeGate(R, rk.values, u, u, gates, src, dst);
  });
  const bias = findWeight(layer, 'bias');
  if (bias) {
    // GRU reset_after: row 0 the input bias (ONNX Wb), row 1 the recurrent bias (ONNX Rb).
    const two = kind === 'GRU' && bias.shape.length === 2;
    order.forEach((src, dst) => {
      for (let j = 0; j < u; j++) {
        B[dst * u + j] = bias.values[src * u + j] ?? 0;
        if (two) B[gates * u + dst * u + j] = bias.values[gates * u + src * u + j] ?? 0;
      }
    });
  }
  if (kind === 'GRU' && layer.cell.resetAfter === true && bias && bias.shape.length !== 2) throw new NotExportable(call, 'internal: reset_after GRU without its two bias rows');
  return { W, R, B };
}

function kindOf(call: LayerCall, layer: tf.layers.Layer): Kind {
  const c = layer.getClassName();
  if (c === 'LSTM') return 'LSTM';
  if (c === 'GRU') return 'GRU';
  if (c === 'SimpleRNN') return 'RNN';
  throw new NotExportable(call, `it wraps a ${c}, which is not LSTM, GRU or SimpleRNN`);
}

function check(call: LayerCall, layer: RnnLayer): void {
  if (layer.stateful) throw new NotExportable(call, 'stateful=true (the state lives between calls, which an ONNX model has not)');
}

/** The ONNX op's inputs and attributes for one or two directions. */
function rnnNode(g: OnnxGraph, call: LayerCall, kind: Kind, layers: RnnLayer[], x: string): { Y: string; Yh: string; Yc?: string } {
  const name = call.layer.name;
  const first = layers[0] as RnnLayer;
  const u = first.cell.units;
  const dirs = layers.map((l) => directionWeights(kind, l, call));
  const gates = kind === 'LSTM' ? 4 : kind === 'GRU' ? 3 : 1;
  const inputDim = (dirs[0]?.W.length ?? 0) / (gates * u);
  const cat = (f: (d: DirectionWeights) => Float32Array): Float32Array => {
    const parts = dirs.map(f);
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const D = layers.length;
  const W = g.floatConst(`${name}/W`, cat((d) => d.W), [D, gates * u, inputDim]);
  const R = g.floatConst(`${name}/R`, cat((d) => d.R), [D, gates * u, u]);
  const B = g.floatConst(`${name}/B`, cat((d) => d.B), [D, 2 * gates * u]);
  const act = onnxActivation(call, first.cell.activation);
  // SimpleRNN has no gates, so no recurrent activation.
  const perDir = kind === 'RNN' ? [act] : kind === 'LSTM' ? [onnxActivation(call, first.cell.recurrentActivation), act, act] : [onnxActivation(call, first.cell.recurrentActivation), act];
  const activations = Array.from({ length: D }, () => perDir).flat();
  // Runtimes differ in whether activation_alpha/beta have one entry per activation or per
  // parametrised one: with HardSigmoid the only parametrised activation, a list of its values
  // everywhere reads the same either way (the others ignore them).
  const hard = activations.includes('HardSigmoid');
  const attrs = {
    ...(hard ? { activation_alpha: floats(activations.map(() => 0.2)), activation_beta: floats(activations.map(() => 0.5)) } : {}),
    hidden_size: int(u),
    direction: str(D === 2 ? 'bidirectional' : 'forward'),
    activations: strs(activations),
    ...(kind === 'GRU' ? { linear_before_reset: int(first.cell.resetAfter === true ? 1 : 0) } : {}),
  };
  const outs = g.nodeN(kind, [x, W, R, B], kind === 'LSTM' ? 3 : 2, attrs, `${name}/${kind}`);
  return { Y: outs[0] as string, Yh: outs[1] as string, ...(kind === 'LSTM' ? { Yc: outs[2] as string } : {}) };
}

/** (N, T, F) → (T, N, F), reversed along time for go_backwards. */
function timeMajor(g: OnnxGraph, name: string, x: string, backwards: boolean): string {
  let t = g.transpose(x, [1, 0, 2], `${name}/time_major`);
  if (backwards) {
    t = g.node('Slice', [t, g.int64Const(`${name}/rev_starts`, [-1]), g.int64Const(`${name}/rev_ends`, [Number.MIN_SAFE_INTEGER]), g.int64Const(`${name}/rev_axes`, [0]), g.int64Const(`${name}/rev_steps`, [-1])], {}, `${name}/reverse`);
  }
  return t;
}

function squeeze(g: OnnxGraph, x: string, axis: number, base: string): string {
  return g.node('Squeeze', [x, g.int64Const(`${base}_axes`, [axis])], {}, base);
}

const recurrent: Converter = (g, call) => {
  const layer = call.layer as RnnLayer;
  check(call, layer);
  const kind = kindOf(call, layer);
  const name = layer.name;
  const x = call.inputs[0];
  if (x === undefined || call.inputs.length > 1) throw new NotExportable(call, 'initial states as inputs');
  const { Y, Yh, Yc } = rnnNode(g, call, kind, [layer], timeMajor(g, name, x, layer.goBackwards));
  // Y: (T, 1, N, u); Y_h, Y_c: (1, N, u).
  const output = layer.returnSequences ? g.transpose(squeeze(g, Y, 1, `${name}/Y`), [1, 0, 2], `${name}/batch_major`) : squeeze(g, Yh, 0, `${name}/last`);
  if (!layer.returnState) return [output];
  const h = squeeze(g, Yh, 0, `${name}/state_h`);
  return kind === 'LSTM' ? [output, h, squeeze(g, Yc as string, 0, `${name}/state_c`)] : [output, h];
};

const bidirectional: Converter = (g, call) => {
  const wrapper = call.layer as tf.layers.Layer & { forwardLayer: RnnLayer; backwardLayer: RnnLayer; mergeMode: string | null; returnState?: boolean };
  const fwd = wrapper.forwardLayer;
  const bwd = wrapper.backwardLayer;
  check(call, fwd);
  const kind = kindOf(call, fwd);
  if (fwd.goBackwards || !bwd.goBackwards) throw new NotExportable(call, 'a forward layer with go_backwards=true');
  if (fwd.returnState) throw new NotExportable(call, 'return_state=true');
  const mode = wrapper.mergeMode;
  if (mode === null || mode === undefined) throw new NotExportable(call, 'merge_mode=None (two outputs)');
  const name = wrapper.name;
  const x = call.inputs[0];
  if (x === undefined || call.inputs.length > 1) throw new NotExportable(call, 'initial states as inputs');
  const { Y, Yh } = rnnNode(g, call, kind, [fwd, bwd], timeMajor(g, name, x, false));
  // ONNX aligns the backward direction with the input's time steps, as Keras's Bidirectional
  // does when it reverses the backward sequence back; Y_h's second entry is the backward state
  // after the whole (reversed) sequence, Keras's backward output.
  const u = fwd.cell.units;
  const stacked = fwd.returnSequences ? g.transpose(Y, [2, 0, 1, 3], `${name}/batch_major`) : g.transpose(Yh, [1, 0, 2], `${name}/batch_major`);
  const dirAxis = fwd.returnSequences ? 2 : 1;
  const axes = (): string => g.int64Const(`${name}/dir_axis`, [dirAxis]);
  switch (mode) {
    case 'concat':
      return [g.reshape(stacked, fwd.returnSequences ? [0, 0, 2 * u] : [0, 2 * u], name)];
    case 'sum':
      return [g.node('ReduceSum', [stacked, axes()], { keepdims: int(0) }, name)];
    case 'ave':
      return [g.node('ReduceMean', [stacked], { axes: { ints: [dirAxis] }, keepdims: int(0) }, name)];
    case 'mul':
      return [g.node('ReduceProd', [stacked], { axes: { ints: [dirAxis] }, keepdims: int(0) }, name)];
    default:
      throw new NotExportable(call, `merge_mode "${mode}"`);
  }
};

export const RECURRENT_CONVERTERS: Record<string, Converter> = {
  LSTM: recurrent,
  GRU: recurrent,
  SimpleRNN: recurrent,
  Bidirectional: bidirectional,
};
