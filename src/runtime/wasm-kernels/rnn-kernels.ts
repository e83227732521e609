/**
 * Whole-sequence recurrent kernels for the wasm backend with the native addon (native/kerats_rnn.c):
 * `KeratsRnnSequence` runs an LSTM, GRU or SimpleRNN layer over every time step in one call, and its
 * gradient, `KeratsRnnSequenceGrad`, back-propagates through all steps in one call. tfjs-layers would
 * run a few dozen kernels per time step (about 3,500 per training step of a 3-layer LSTM over 16
 * steps). The layers use them through src/registry/layers/fused-rnn.ts when they are registered.
 *
 * Inputs: x [B, T, I], kernel [I, G·U], recurrentKernel [U, G·U], optional bias ([G·U]; GRU
 * reset_after: [2, 3U]), h0/c0 [B, U], mask [B, T] (float 0/1). Attrs: cell (RNN_CELLS), goBackwards,
 * biasShape ([] without a bias).
 * Outputs: workspace (what the gradient needs), hseq [B, T, U] in processing order, hLast [B, U],
 * and for LSTMs cLast [B, U].
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeBlas } from '../native/blas.js';
import { asWasmBackend, heapBuffer, optionalOffset } from './wasm-backend.js';

type GradMap = Record<string, () => tf.Tensor>;

export const RNN_SEQUENCE = 'KeratsRnnSequence';
export const RNN_SEQUENCE_GRAD = 'KeratsRnnSequenceGrad';

/** Cell codes of native/kerats_rnn.c. */
export const RNN_CELLS = { lstm: 0, gru: 1, gru_reset_before: 2, simple: 3 } as const;
export type RnnCell = keyof typeof RNN_CELLS;

interface Sizes {
  cell: number;
  B: number;
  T: number;
  I: number;
  U: number;
  back: number;
}

function sizes(x: tf.TensorInfo, recurrentKernel: tf.TensorInfo, attrs: tf.NamedAttrMap | undefined): Sizes {
  const [B, T, I] = x.shape as [number, number, number];
  const U = recurrentKernel.shape[0] as number;
  const cell = Number(attrs?.['cell']);
  return { cell, B, T, I, U, back: attrs?.['goBackwards'] ? 1 : 0 };
}

function need(args: Parameters<tf.KernelFunc>[0], name: string): tf.TensorInfo {
  const t = args.inputs[name];
  if (!t || t.dtype !== 'float32') throw new Error(`${RNN_SEQUENCE}: input ${name} must be a float32 tensor`);
  return t;
}

export function makeRnnSequence(blas: Required<Pick<NativeBlas, 'rnnForward' | 'rnnWorkspace'>>): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const x = need(args, 'x');
    const kernel = need(args, 'kernel');
    const recurrent = need(args, 'recurrentKernel');
    const { bias, h0, c0, mask } = args.inputs;
    const s = sizes(x, recurrent, args.attrs);
    const lstm = s.cell === RNN_CELLS.lstm;
    const ws = backend.makeOutput([blas.rnnWorkspace(s.cell, s.B, s.T, s.U)], 'float32');
    const hseq = backend.makeOutput([s.B, s.T, s.U], 'float32');
    const hLast = backend.makeOutput([s.B, s.U], 'float32');
    const cLast = lstm ? backend.makeOutput([s.B, s.U], 'float32') : undefined;
    blas.rnnForward(
      heapBuffer(backend), s.cell, s.B, s.T, s.I, s.U, s.back,
      optionalOffset(backend, x), optionalOffset(backend, kernel), optionalOffset(backend, recurrent), optionalOffset(backend, bias), optionalOffset(backend, h0), optionalOffset(backend, c0),
      optionalOffset(backend, mask), optionalOffset(backend, hseq), optionalOffset(backend, hLast), optionalOffset(backend, cLast), optionalOffset(backend, ws),
    );
    return cLast ? [ws, hseq, hLast, cLast] : [ws, hseq, hLast];
  };
}

/** Inputs x, kernel, recurrentKernel, workspace, dhseq, dhLast (, dcLast); outputs dx, dKernel, dRecurrent, dBias, dh0 (, dc0). */
export function makeRnnSequenceGrad(blas: Required<Pick<NativeBlas, 'rnnBackward'>>): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const x = need(args, 'x');
    const kernel = need(args, 'kernel');
    const recurrent = need(args, 'recurrentKernel');
    const ws = need(args, 'workspace');
    const dhseq = need(args, 'dhseq');
    const dhLast = need(args, 'dhLast');
    const dcLast = args.inputs['dcLast'];
    const s = sizes(x, recurrent, args.attrs);
    const biasShape = args.attrs?.['biasShape'] as number[] | undefined;
    const dx = backend.makeOutput([...x.shape], 'float32');
    const dk = backend.makeOutput([...kernel.shape], 'float32');
    const dr = backend.makeOutput([...recurrent.shape], 'float32');
    const db = biasShape && biasShape.length > 0 ? backend.makeOutput(biasShape, 'float32') : undefined;
    const dh0 = backend.makeOutput([s.B, s.U], 'float32');
    const dc0 = dcLast ? backend.makeOutput([s.B, s.U], 'float32') : undefined;
    blas.rnnBackward(
      heapBuffer(backend), s.cell, s.B, s.T, s.I, s.U, s.back,
      optionalOffset(backend, x), optionalOffset(backend, kernel), optionalOffset(backend, recurrent), optionalOffset(backend, ws),
      optionalOffset(backend, dhseq), optionalOffset(backend, dhLast), optionalOffset(backend, dcLast),
      optionalOffset(backend, dx), optionalOffset(backend, dk), optionalOffset(backend, dr), optionalOffset(backend, db), optionalOffset(backend, dh0), optionalOffset(backend, dc0),
    );
    return [dx, dk, dr, ...(db ? [db] : []), dh0, ...(dc0 ? [dc0] : [])];
  };
}

/**
 * The gradient of KeratsRnnSequence: one backward kernel call for every input's gradient. Outputs
 * that do not reach the loss come with a null gradient: zeros then.
 */
function rnnSequenceGrad(dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): GradMap {
  const [x, kernel, recurrentKernel, ws] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const biasShape = (attrs['biasShape'] as number[] | undefined) ?? [];
  const list = Array.isArray(dys) ? dys : [dys];
  const lstm = Number(attrs['cell']) === RNN_CELLS.lstm;
  const [B, T] = x.shape as [number, number];
  const U = recurrentKernel.shape[0] as number;
  const or = (t: tf.Tensor | null | undefined, shape: number[]): tf.Tensor => t ?? tf.zeros(shape);
  const inputs: tf.NamedTensorMap = {
    x, kernel, recurrentKernel, workspace: ws,
    dhseq: or(list[1], [B, T, U]),
    dhLast: or(list[2], [B, U]),
  };
  if (lstm) inputs['dcLast'] = or(list[3], [B, U]);
  const gradAttrs = { cell: attrs['cell'] as number, goBackwards: attrs['goBackwards'] as boolean, biasShape };
  const out = tf.engine().runKernel(RNN_SEQUENCE_GRAD, inputs as unknown as tf.NamedTensorMap, gradAttrs) as unknown as tf.Tensor[];
  let i = 0;
  const dx = out[i++] as tf.Tensor;
  const dk = out[i++] as tf.Tensor;
  const dr = out[i++] as tf.Tensor;
  const db = biasShape.length > 0 ? out[i++] : undefined;
  const dh0 = out[i++] as tf.Tensor;
  const dc0 = lstm ? out[i] : undefined;
  const grads: GradMap = { x: () => dx, kernel: () => dk, recurrentKernel: () => dr, h0: () => dh0, mask: () => tf.zeros([B, T]) };
  if (db) grads['bias'] = () => db;
  if (dc0) grads['c0'] = () => dc0;
  return grads;
}

/**
 * Saves x and both kernels plus the workspace output (the engine cannot save an absent input, so
 * the bias's shape comes as the attribute `biasShape`, [] without a bias).
 */
export const RNN_SEQUENCE_GRADIENT: tf.GradConfig = {
  kernelName: RNN_SEQUENCE,
  inputsToSave: ['x', 'kernel', 'recurrentKernel'],
  outputsToSave: [true],
  gradFunc: rnnSequenceGrad,
};
