/**
 * wasm kernels that hand the heavy loops to the optional native addon (src/runtime/native/blas.ts):
 * matrix products and convolutions (forward and both gradients, as im2col + GEMM) run on OpenBLAS's
 * multi-threaded GEMM, reading and writing the wasm backend's memory in place. XNNPACK in the
 * wasm build is single-threaded; OpenBLAS uses every core. Each kernel falls back to the wasm
 * kernel it wraps for the cases it does not handle (other dtypes, prelu, NCHW, odd bias shapes).
 */
import * as tf from '@tensorflow/tfjs';
import { NATIVE_ACTIVATIONS, type NativeBlas } from '../native/blas.js';
import { as4, convInfo } from './conv-backprop.js';
import { maxPoolGradInfo } from './max-pool-grad.js';
import { Scratch, asWasmBackend, floatOffset, heapBuffer, sizeOf, type WasmBackend } from './wasm-backend.js';

/** c[m, n] = op(a)·op(b) for one pair of matrices, on tensors of the wasm backend. */
function gemm1(
  blas: NativeBlas, backend: WasmBackend, transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: tf.TensorInfo, b: tf.TensorInfo, c: tf.TensorInfo,
): void {
  blas.gemm(heapBuffer(backend), transA ? 1 : 0, transB ? 1 : 0, m, n, k, floatOffset(backend, a), floatOffset(backend, b), floatOffset(backend, c), 1, 0, 0, 0, 0);
}

/** The named inputs when all are present and float32 (what the native kernels handle), else undefined. */
function float32Inputs(args: Parameters<tf.KernelFunc>[0], ...names: string[]): tf.TensorInfo[] | undefined {
  const ts = names.map((n) => args.inputs[n]);
  return ts.every((t): t is tf.TensorInfo => t !== undefined && t.dtype === 'float32') ? ts : undefined;
}

interface MatMulDims {
  m: number;
  n: number;
  k: number;
  batchA: number;
  batchB: number;
  outShape: number[];
}

function matMulDims(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): MatMulDims | undefined {
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  if (aRank < 2 || bRank < 2) return undefined;
  const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const kB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  if (m === undefined || n === undefined || k === undefined || k !== kB || m * n * k === 0) return undefined;
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
  return { m, n, k, batchA, batchB, outShape };
}

/** out = op(a)·op(b) (+ bias, activation) into a new tensor; the caller checked dtypes. */
function gemmInto(
  blas: NativeBlas,
  backend: WasmBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  d: MatMulDims,
  transposeA: boolean,
  transposeB: boolean,
): tf.TensorInfo {
  const out = backend.makeOutput(d.outShape, 'float32');
  const { m, n, k, batchA, batchB } = d;
  const batch = Math.max(batchA, batchB);
  if (batchB === 1 && !transposeA) {
    // One right matrix for every left one: a single GEMM over the stacked rows.
    gemm1(blas, backend, false, transposeB, batchA * m, n, k, a, b, out);
  } else {
    blas.gemm(
      heapBuffer(backend), transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, floatOffset(backend, a), floatOffset(backend, b), floatOffset(backend, out),
      batch, batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n, m * n, 0,
    );
  }
  return out;
}

export function makeNativeBatchMatMul(blas: NativeBlas, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const [a, b] = float32Inputs(args, 'a', 'b') ?? [];
    if (!a || !b) return fallback(args);
    const transposeA = Boolean(args.attrs?.['transposeA']);
    const transposeB = Boolean(args.attrs?.['transposeB']);
    const d = matMulDims(a, b, transposeA, transposeB);
    if (!d) return fallback(args);
    return gemmInto(blas, backend, a, b, d, transposeA, transposeB);
  };
}

/** The epilogue arguments for a fused kernel, or undefined when the native code cannot do it. */
function epilogueFor(backend: WasmBackend, args: Parameters<tf.KernelFunc>[0], cols: number) {
  const act = (args.attrs?.['activation'] as string | undefined) ?? 'linear';
  const code = NATIVE_ACTIVATIONS[act];
  if (code === undefined || args.inputs['preluActivationWeights']) return undefined;
  const bias = args.inputs['bias'];
  // A bias per output column only ([cols], [1, cols], ...): a [cols, 1] column bias must broadcast the other way.
  if (bias && (bias.dtype !== 'float32' || sizeOf(bias.shape) !== cols || bias.shape[bias.shape.length - 1] !== cols)) return undefined;
  const alpha = Number(args.attrs?.['leakyreluAlpha'] ?? 0.2);
  return { code, alpha, bias: bias ? (): number => floatOffset(backend, bias) : (): number => -1 };
}

export function makeNativeFusedMatMul(blas: NativeBlas, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const [a, b] = float32Inputs(args, 'a', 'b') ?? [];
    if (!a || !b) return fallback(args);
    const transposeA = Boolean(args.attrs?.['transposeA']);
    const transposeB = Boolean(args.attrs?.['transposeB']);
    const d = matMulDims(a, b, transposeA, transposeB);
    if (!d) return fallback(args);
    const ep = epilogueFor(backend, args, d.n);
    if (!ep) return fallback(args);
    const out = gemmInto(blas, backend, a, b, d, transposeA, transposeB);
    blas.epilogue(heapBuffer(backend), floatOffset(backend, out), sizeOf(d.outShape) / d.n, d.n, ep.bias(), ep.code, ep.alpha);
    return out;
  };
}

/** The convolution geometry for x and filter shapes, or undefined (the caller falls back) when tfjs rejects them. */
function tryConvInfo(xShape: readonly number[], filterShape: readonly number[], attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo | undefined {
  try {
    return convInfo(as4(xShape, 'x'), as4(filterShape, 'filter'), attrs, false);
  } catch {
    return undefined;
  }
}

/** im2col/col2im geometry arguments, in the C function's order. */
function geometry(info: tf.backend_util.Conv2DInfo): number[] {
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth,
    info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
    info.padInfo.top, info.padInfo.left, info.outHeight, info.outWidth,
  ];
}

/** A 1x1, stride-1, unpadded convolution is a plain matrix product over the pixels: no im2col. */
function isPointwise(info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1 &&
    info.padInfo.top === 0 && info.padInfo.left === 0 && info.outHeight === info.inHeight && info.outWidth === info.inWidth
  );
}

/** The im2col matrix of x ([pixels, kh·kw·ci]); x itself for pointwise convolutions. */
function patches(blas: NativeBlas, scratch: Scratch, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  if (isPointwise(info)) return x;
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const col = scratch.alloc([rows, info.filterHeight * info.filterWidth * info.inChannels]);
  const backend = scratch.backend;
  blas.im2col(heapBuffer(backend), floatOffset(backend, x), floatOffset(backend, col), ...geometry(info));
  return col;
}

/**
 * Below this many taps·in-channels a forward convolution stays on XNNPACK's direct convolution:
 * for a first layer (3x3x1 = 9) the im2col copy costs more than the GEMM saves (measured on the
 * 2-core dev machine, 128x28x28x1 → 32 channels: 7.3 ms im2col+GEMM vs 5.0 ms XNNPACK).
 */
const MIN_NATIVE_CONV_DEPTH = 32;

function convForward(blas: NativeBlas, fallback: tf.KernelFunc, fused: boolean): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const [x, filter] = float32Inputs(args, 'x', 'filter') ?? [];
    if (!x || !filter) return fallback(args);
    const info = tryConvInfo(x.shape, filter.shape, args.attrs ?? {});
    if (!info) return fallback(args);
    const ep = fused ? epilogueFor(backend, args, info.outChannels) : { code: 0, alpha: 0, bias: (): number => -1 };
    const K = info.filterHeight * info.filterWidth * info.inChannels;
    if (!ep || info.inChannels !== filter.shape[2] || K < MIN_NATIVE_CONV_DEPTH) return fallback(args);
    const rows = info.batchSize * info.outHeight * info.outWidth;
    const scratch = new Scratch(backend);
    try {
      const col = patches(blas, scratch, x, info);
      const out = backend.makeOutput([info.batchSize, info.outHeight, info.outWidth, info.outChannels], 'float32');
      gemm1(blas, backend, false, false, rows, info.outChannels, K, col, filter, out);
      if (fused) blas.epilogue(heapBuffer(backend), floatOffset(backend, out), rows, info.outChannels, ep.bias(), ep.code, ep.alpha);
      return out;
    } finally {
      scratch.dispose();
    }
  };
}

export const makeNativeConv2D = (blas: NativeBlas, fallback: tf.KernelFunc): tf.KernelFunc => convForward(blas, fallback, false);
export const makeNativeFusedConv2D = (blas: NativeBlas, fallback: tf.KernelFunc): tf.KernelFunc => convForward(blas, fallback, true);

/** dW[kh·kw·ci, co] = im2col(x)ᵀ · dy; for shallow filters, one direct accumulation pass. */
export function makeNativeConv2DBackpropFilter(blas: NativeBlas, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const [x, dy] = float32Inputs(args, 'x', 'dy') ?? [];
    if (!x || !dy) return fallback(args);
    const attrs = args.attrs ?? {};
    const filterShape = attrs['filterShape'] as number[];
    const info = tryConvInfo(x.shape, filterShape, attrs);
    if (!info) return fallback(args);
    const rows = info.batchSize * info.outHeight * info.outWidth;
    const K = info.filterHeight * info.filterWidth * info.inChannels;
    if (K < MIN_NATIVE_CONV_DEPTH) {
      const out = backend.makeOutput(filterShape, 'float32');
      blas.filterGrad(heapBuffer(backend), floatOffset(backend, x), floatOffset(backend, dy), floatOffset(backend, out), info.outChannels, ...geometry(info));
      return out;
    }
    const scratch = new Scratch(backend);
    try {
      const col = patches(blas, scratch, x, info);
      const out = backend.makeOutput(filterShape, 'float32');
      gemm1(blas, backend, true, false, K, info.outChannels, rows, col, dy, out);
      return out;
    } finally {
      scratch.dispose();
    }
  };
}

/** dx = col2im(dy · Wᵀ), W seen as [kh·kw·ci, co]. */
export function makeNativeConv2DBackpropInput(blas: NativeBlas, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const [dy, filter] = float32Inputs(args, 'dy', 'filter') ?? [];
    if (!dy || !filter) return fallback(args);
    const attrs = args.attrs ?? {};
    const info = tryConvInfo(attrs['inputShape'] as number[], filter.shape, attrs);
    if (!info) return fallback(args);
    const rows = info.batchSize * info.outHeight * info.outWidth;
    const K = info.filterHeight * info.filterWidth * info.inChannels;
    const out = backend.makeOutput([info.batchSize, info.inHeight, info.inWidth, info.inChannels], 'float32');
    if (isPointwise(info)) {
      gemm1(blas, backend, false, true, rows, K, info.outChannels, dy, filter, out);
      return out;
    }
    const scratch = new Scratch(backend);
    try {
      const col = scratch.alloc([rows, K]);
      gemm1(blas, backend, false, true, rows, K, info.outChannels, dy, filter, col);
      blas.col2im(heapBuffer(backend), floatOffset(backend, col), floatOffset(backend, out), ...geometry(info));
      return out;
    } finally {
      scratch.dispose();
    }
  };
}

/** MaxPoolGrad in one native pass (dy to each window's first maximum). */
export function makeNativeMaxPoolGrad(blas: NativeBlas, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const [dy, input] = float32Inputs(args, 'dy', 'input') ?? [];
    if (!dy || !input || input.shape.length !== 4) return fallback(args);
    const info = maxPoolGradInfo(input, args.attrs ?? {});
    if (sizeOf(input.shape) === 0 || info.outHeight <= 0 || info.outWidth <= 0) return fallback(args);
    const dx = backend.makeOutput(input.shape, 'float32');
    blas.maxPoolGrad(
      heapBuffer(backend), floatOffset(backend, input), floatOffset(backend, dy), floatOffset(backend, dx),
      info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth,
      info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left, info.outHeight, info.outWidth,
    );
    return dx;
  };
}
