/**
 * The fused path of LSTM, GRU and SimpleRNN: on the wasm backend with the native addon, a layer's
 * whole sequence runs as one `KeratsRnnSequence` kernel (and its gradient as one kernel) instead
 * of tfjs-layers' few dozen kernels per time step (src/runtime/wasm-kernels/rnn-kernels.ts). kerats'
 * LSTM, GRU and SimpleRNN classes (fused-rnn-layers.ts, keras-gru.ts) call `fusedOrGeneric`; plain
 * tfjs layers are left alone. Whatever the kernel does not cover runs the generic tfjs path
 * unchanged; the path and the reason are recorded per layer (`recurrentPath`) and by layer name in
 * runtime/profile/kernel-path.ts, the one list `kerats profile --verbose` prints.
 * KERATS_FUSED_RNN=0 turns the fused path off.
 */
import * as tf from '@tensorflow/tfjs';
import { RNN_CELLS, RNN_SEQUENCE, type RnnCell } from '../../runtime/wasm-kernels/rnn-kernels.js';
import { recordPath } from '../../runtime/profile/kernel-path.js';

/** Which path a recurrent layer's last call took, and why the generic one when it did. */
export type RecurrentPath = { fused: true } | { fused: false; reason: string };

interface Activation {
  getClassName(): string;
}
/** The parts of tfjs's LSTMCell / GRUCell / SimpleRNNCell (and KerasGRUCell) read here. */
interface CellLike {
  units: number;
  activation: Activation;
  recurrentActivation?: Activation;
  dropout: number;
  recurrentDropout: number;
  useBias: boolean;
  resetAfter?: boolean;
  kernel: tf.LayerVariable;
  recurrentKernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
}
interface RnnLike {
  /** The layer's name (a Bidirectional's halves: forward_NAME, backward_NAME). */
  name: string;
  cell: CellLike;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  stateful: boolean;
}
export type Kwargs = Record<string, unknown> | undefined;

const paths = new WeakMap<object, RecurrentPath>();
let enabled = process.env['KERATS_FUSED_RNN'] !== '0';

/** Turns the fused path on or off for calls from now on (tests and the benchmark compare both). */
export function setFusedRnnEnabled(on: boolean): void {
  enabled = on;
}

/** Why no recurrent layer can take the fused kernel on the active backend, or undefined when a supported one would. */
export function fusedRnnUnavailable(): string | undefined {
  if (!enabled) return 'fused path turned off (KERATS_FUSED_RNN=0)';
  if (tf.getBackend() !== 'wasm') return `backend ${tf.getBackend()} (fused only on wasm with the native addon)`;
  if (!tf.getKernel(RNN_SEQUENCE, 'wasm')) return 'native addon absent, turned off or without recurrent kernels';
  return undefined;
}

/** The path of the layer's last call, undefined when it has not run (or is not LSTM/GRU/SimpleRNN). */
export function recurrentPath(layer: object): RecurrentPath | undefined {
  return paths.get(layer);
}

interface Plan {
  cell: RnnCell;
  x: tf.Tensor;
  initial: tf.Tensor[];
  mask?: tf.Tensor;
}

function unsupported(reason: string): { reason: string } {
  return { reason };
}

/** The fused plan for this call, or the reason the generic path runs. */
function plan(layer: RnnLike, kind: RnnCell | 'gru', inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): Plan | { reason: string } {
  const off = fusedRnnUnavailable();
  if (off) return unsupported(off);
  const cell = layer.cell;
  if (layer.stateful) return unsupported('stateful');
  const training = kwargs?.['training'] === true;
  if (training && (cell.dropout > 0 || cell.recurrentDropout > 0)) return unsupported('dropout or recurrent_dropout while training');
  if (cell.activation.getClassName() !== 'tanh') return unsupported(`activation ${cell.activation.getClassName()} (fused: tanh)`);
  if (cell.recurrentActivation && cell.recurrentActivation.getClassName() !== 'sigmoid') {
    return unsupported(`recurrent_activation ${cell.recurrentActivation.getClassName()} (fused: sigmoid)`);
  }
  const list = Array.isArray(inputs) ? inputs : [inputs];
  const x = list[0];
  if (list.length !== 1 || !x || x.rank !== 3 || x.dtype !== 'float32' || x.shape[1] === 0 || x.size === 0) {
    return unsupported('input is not one non-empty float32 (batch, steps, features) tensor');
  }
  const [B] = x.shape as [number];
  const U = cell.units;
  const initial = (kwargs?.['initialState'] as tf.Tensor[] | undefined) ?? [];
  if (initial.some((s) => !(s instanceof tf.Tensor) || s.dtype !== 'float32' || s.rank !== 2 || s.shape[0] !== B || s.shape[1] !== U)) {
    return unsupported('initial state not a float32 (batch, units) tensor');
  }
  const maskArg = kwargs?.['mask'];
  const mask = Array.isArray(maskArg) ? maskArg[0] : maskArg;
  if (mask !== undefined && mask !== null && !(mask instanceof tf.Tensor && mask.rank === 2)) return unsupported('mask is not a (batch, steps) tensor');
  const resolved: RnnCell = kind === 'gru' ? (cell.resetAfter ? 'gru' : 'gru_reset_before') : kind;
  return { cell: resolved, x, initial, mask: (mask as tf.Tensor | null | undefined) ?? undefined };
}

function runFused(layer: RnnLike, p: Plan): tf.Tensor | tf.Tensor[] {
  return tf.tidy(() => {
    const cell = layer.cell;
    const inputs: tf.NamedTensorMap = { x: p.x, kernel: cell.kernel.read(), recurrentKernel: cell.recurrentKernel.read() };
    const bias = cell.useBias && cell.bias ? cell.bias.read() : undefined;
    if (bias) inputs['bias'] = bias;
    if (p.initial[0]) inputs['h0'] = p.initial[0];
    if (p.cell === 'lstm' && p.initial[1]) inputs['c0'] = p.initial[1];
    // As tfjs's rnn(): any non-zero mask entry counts as 1.
    if (p.mask) inputs['mask'] = tf.cast(tf.cast(p.mask, 'bool'), 'float32');
    const attrs = { cell: RNN_CELLS[p.cell], goBackwards: layer.goBackwards, biasShape: bias ? bias.shape : [] };
    const out = tf.engine().runKernel(RNN_SEQUENCE, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const [, hseq, hLast, cLast] = out as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor?];
    const output = layer.returnSequences ? hseq : hLast;
    if (!layer.returnState) return output;
    return cLast ? [output, hLast, cLast] : [output, hLast];
  });
}

/**
 * A recurrent layer's `call`: the fused kernel when `plan` covers this call, else `generic` (tfjs's
 * own `call`). The path taken is recorded for `recurrentPath` and `kerats profile --verbose`.
 */
export function fusedOrGeneric(
  layer: object, kind: RnnCell | 'gru', inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs, generic: () => tf.Tensor | tf.Tensor[],
): tf.Tensor | tf.Tensor[] {
  const self = layer as RnnLike;
  const p = plan(self, kind, inputs, kwargs);
  if ('reason' in p) {
    paths.set(layer, { fused: false, reason: p.reason });
    recordPath(self.name, 'generic', p.reason);
    return generic();
  }
  paths.set(layer, { fused: true });
  recordPath(self.name, 'fused');
  return runFused(self, p);
}
