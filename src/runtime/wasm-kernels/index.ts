/**
 * Training kernels for the embedded WebAssembly backend (@tensorflow/tfjs-backend-wasm 4.22).
 *
 * Stock wasm cannot train a CNN (Conv2DBackpropFilter is missing), an Embedding
 * (UnsortedSegmentSum) or a DepthwiseConv2D/SeparableConv2D, and runs every backward matmul and
 * conv input-gradient through scalar loops. This module adds the missing kernels and replaces the
 * slow ones, either by compositions of XNNPACK-backed wasm kernels (matmul, conv gradients) or by
 * single-pass heap-to-heap copies/accumulations where the stock kernel does per-element index
 * arithmetic or copies whole tensors (Tile, Slice/Unpack/SplitV, broadcast comparisons, MaxPoolGrad,
 * leading-axis Sum/Mean). Each file says what it replaces and why.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { makeBatchMatMul } from './batch-matmul.js';
import { makeConv2DBackpropFilter, makeConv2DBackpropInput } from './conv-backprop.js';
import { depthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropInput } from './depthwise-backprop.js';
import { SLOW_BROADCAST_KERNELS, makeBroadcastBinary } from './broadcast-binary.js';
import { makeMaxPoolGrad } from './max-pool-grad.js';
import { makeBlockReduce } from './reduce.js';
import { unsortedSegmentSum } from './segment-sum.js';
import { makeSlice, makeSplitV, makeUnpack } from './slicing.js';
import { makeTile } from './tile.js';
import { makeIdentity } from './identity.js';
import { makeGather } from './gather.js';
import { nativeBlas } from '../native/blas.js';
import { installFusedLayers, uninstallFusedLayers } from './fused-layers.js';
import { registerFusedAttentionKernels } from './fused-attention.js';
import {
  makeNativeBatchMatMul,
  makeNativeConv2D,
  makeNativeConv2DBackpropFilter,
  makeNativeConv2DBackpropInput,
  makeNativeFusedConv2D,
  makeNativeFusedMatMul,
  makeNativeMaxPoolGrad,
} from './native-kernels.js';
import { RNN_SEQUENCE, RNN_SEQUENCE_GRAD, RNN_SEQUENCE_GRADIENT, makeRnnSequence, makeRnnSequenceGrad } from './rnn-kernels.js';

const BACKEND = 'wasm';

/** Kernel functions installed by this module, to recognise them on a repeated call. */
const ours = new WeakSet<tf.KernelFunc>();
let installed: string[] | undefined;
/** What each installed name replaced (undefined: the kernel was missing), for unregistering. */
const replaced = new Map<string, tf.KernelConfig | undefined>();

/** Loads the wasm backend package if nobody has yet, so its own kernels are registered first. */
function wasmPackageLoaded(): boolean {
  if (tf.getKernel('BatchMatMul', BACKEND)) return true;
  try {
    createRequire(import.meta.url)('@tensorflow/tfjs-backend-wasm');
  } catch {
    return false;
  }
  return tf.getKernel('BatchMatMul', BACKEND) !== undefined;
}

function install(config: tf.KernelConfig): void {
  ours.add(config.kernelFunc);
  if (tf.getKernel(config.kernelName, BACKEND)) tf.unregisterKernel(config.kernelName, BACKEND);
  tf.registerKernel(config);
}

/**
 * Registers the wasm training kernels; returns the kernel names registered or overridden.
 * Idempotent, and usable before or after `tf.setBackend('wasm')`: the replacements keep the stock
 * kernels' setup functions and look up everything else lazily per backend instance.
 * Returns [] when @tensorflow/tfjs-backend-wasm cannot be loaded.
 */
export function registerWasmTrainingKernels(): string[] {
  if (installed) return [...installed];
  if (!wasmPackageLoaded()) return [];
  const names: string[] = [];

  /** Replaces a stock kernel; the replacement falls back to it for cases it does not speed up. */
  const override = (kernelName: string, make: (stock: tf.KernelConfig) => tf.KernelFunc): void => {
    const stock = tf.getKernel(kernelName, BACKEND);
    if (!stock || ours.has(stock.kernelFunc)) return;
    const config: tf.KernelConfig = { kernelName, backendName: BACKEND, kernelFunc: make(stock) };
    if (stock.setupFunc) config.setupFunc = stock.setupFunc;
    replaced.set(kernelName, stock);
    install(config);
    names.push(kernelName);
  };
  /** Adds a kernel the wasm package lacks (left alone if a later tfjs version provides it). */
  const add = (kernelName: string, kernelFunc: tf.KernelFunc): void => {
    const existing = tf.getKernel(kernelName, BACKEND);
    if (existing && !ours.has(existing.kernelFunc)) return;
    replaced.set(kernelName, undefined);
    install({ kernelName, backendName: BACKEND, kernelFunc });
    names.push(kernelName);
  };

  override('BatchMatMul', makeBatchMatMul);
  override('Conv2DBackpropInput', makeConv2DBackpropInput);
  override('MaxPoolGrad', makeMaxPoolGrad);
  override('Sum', (stock) => makeBlockReduce(stock, false));
  override('Mean', (stock) => makeBlockReduce(stock, true));
  override('Tile', makeTile);
  override('Identity', makeIdentity);
  override('Slice', makeSlice);
  override('Unpack', makeUnpack);
  override('SplitV', makeSplitV);
  override('GatherV2', makeGather);
  for (const name of SLOW_BROADCAST_KERNELS) override(name, makeBroadcastBinary);
  add('Conv2DBackpropFilter', makeConv2DBackpropFilter());
  add('DepthwiseConv2dNativeBackpropInput', depthwiseConv2dNativeBackpropInput);
  add('DepthwiseConv2dNativeBackpropFilter', depthwiseConv2dNativeBackpropFilter);
  add('UnsortedSegmentSum', unsortedSegmentSum);
  installFusedLayers(add);

  // With the optional OpenBLAS addon, matrix products and convolutions move to its multi-threaded
  // GEMM; the wasm kernels above stay as the fallback for what it does not handle.
  const blas = nativeBlas();
  if (blas) {
    const wrap = (kernelName: string, make: (f: tf.KernelFunc) => tf.KernelFunc): void => {
      const current = tf.getKernel(kernelName, BACKEND);
      if (!current) return;
      const config: tf.KernelConfig = { kernelName, backendName: BACKEND, kernelFunc: make(current.kernelFunc) };
      if (current.setupFunc) config.setupFunc = current.setupFunc;
      if (!replaced.has(kernelName)) replaced.set(kernelName, ours.has(current.kernelFunc) ? undefined : current);
      install(config);
      if (!names.includes(kernelName)) names.push(kernelName);
    };
    wrap('BatchMatMul', (f) => makeNativeBatchMatMul(blas, f));
    wrap('_FusedMatMul', (f) => makeNativeFusedMatMul(blas, f));
    wrap('Conv2D', (f) => makeNativeConv2D(blas, f));
    wrap('FusedConv2D', (f) => makeNativeFusedConv2D(blas, f));
    wrap('Conv2DBackpropFilter', (f) => makeNativeConv2DBackpropFilter(blas, f));
    wrap('Conv2DBackpropInput', (f) => makeNativeConv2DBackpropInput(blas, f));
    wrap('MaxPoolGrad', (f) => makeNativeMaxPoolGrad(blas, f));
    // Whole-sequence LSTM/GRU/SimpleRNN (the layers use them when registered: registry/layers/fused-rnn.ts).
    const { rnnForward, rnnBackward, rnnWorkspace } = blas;
    if (rnnForward && rnnBackward && rnnWorkspace) {
      add(RNN_SEQUENCE, makeRnnSequence({ rnnForward, rnnWorkspace }));
      add(RNN_SEQUENCE_GRAD, makeRnnSequenceGrad({ rnnBackward }));
      if (!tf.getGradient(RNN_SEQUENCE)) tf.registerGradient(RNN_SEQUENCE_GRADIENT);
    }
    registerFusedAttentionKernels(blas, add);
  }

  installed = names;
  return [...names];
}

/**
 * Puts the stock wasm kernels back (benchmarks compare both in one process). A later
 * `registerWasmTrainingKernels()` installs the training kernels again.
 */
export function unregisterWasmTrainingKernels(): void {
  uninstallFusedLayers();
  for (const [kernelName, stock] of replaced) {
    if (tf.getKernel(kernelName, BACKEND)) tf.unregisterKernel(kernelName, BACKEND);
    if (stock) tf.registerKernel(stock);
  }
  replaced.clear();
  installed = undefined;
}
