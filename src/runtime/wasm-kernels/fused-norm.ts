/**
 * One-pass wasm kernels for normalisation layers and for the bias + activation tail of Dense/Conv2D.
 *
 * tfjs-layers trains LayerNormalization as moments + tiles + a batchNorm whose gradient is a chain
 * of ~25 element-wise kernels, BatchNormalization likewise, and a Dense/Conv2D with a relu as
 * matmul + Add + Relu forward and Step + Cast + Multiply + Sum backward (tfjs-core only fuses when no
 * gradient is recorded). Each kernel here does one of those chains in a single pass over the wasm
 * heap: in C (native/kerats_norm.c) when the addon has it, else in JavaScript loops over the heap.
 * The layers reach them through src/runtime/wasm-kernels/fused-layers.ts.
 *
 * Layouts: LayerNorm normalises each row of `d` trailing elements; BatchNorm each of the `c`
 * channels of the last axis over all rows; rows are contiguous (row-major).
 */
import type * as tf from '@tensorflow/tfjs';
import { NORM_ACTIVATIONS, type NativeNorm } from '../native/blas.js';
import { asWasmBackend, f32, floatOffset, heapBuffer, sizeOf, type WasmBackend } from './wasm-backend.js';

export const LAYER_NORM = 'KeratsLayerNorm';
export const LAYER_NORM_GRAD = 'KeratsLayerNormGrad';
export const BATCH_NORM_TRAIN = 'KeratsBatchNormTrain';
export const BATCH_NORM_GRAD = 'KeratsBatchNormGrad';
export const BIAS_ACT_GRAD = 'KeratsBiasActGrad';
export const ADAM_STEP = 'KeratsAdam';

type Args = Parameters<tf.KernelFunc>[0];

function need(args: Args, name: string): tf.TensorInfo {
  const t = args.inputs[name];
  if (!t || t.dtype !== 'float32') throw new Error(`wasm-kernels: ${name} must be a float32 tensor`);
  return t;
}

/** y = (x - mean)·rstd·gamma + beta per row; also the rows' mean and 1/sqrt(var + eps). */
function layerNormJs(x: Float32Array, g: Float32Array, b: Float32Array, y: Float32Array, mean: Float32Array, rstd: Float32Array, rows: number, d: number, eps: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += x[o + j] as number;
    const m = s / d;
    let v = 0;
    for (let j = 0; j < d; j++) {
      const t = (x[o + j] as number) - m;
      v += t * t;
    }
    const rs = 1 / Math.sqrt(v / d + eps);
    mean[r] = m;
    rstd[r] = rs;
    for (let j = 0; j < d; j++) y[o + j] = ((x[o + j] as number) - m) * rs * (g[j] as number) + (b[j] as number);
  }
}

/** dx = rstd·(dy·g - mean(dy·g) - xhat·mean(dy·g·xhat)) per row; dgamma, dbeta summed over rows. */
function layerNormGradJs(
  dy: Float32Array, x: Float32Array, g: Float32Array, mean: Float32Array, rstd: Float32Array,
  dx: Float32Array, dg: Float32Array, db: Float32Array, rows: number, d: number,
): void {
  const accG = new Float64Array(d);
  const accB = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    const m = mean[r] as number;
    const rs = rstd[r] as number;
    let s1 = 0;
    let s2 = 0;
    for (let j = 0; j < d; j++) {
      const xh = ((x[o + j] as number) - m) * rs;
      const gy = dy[o + j] as number;
      const t = gy * (g[j] as number);
      s1 += t;
      s2 += t * xh;
      accG[j] = (accG[j] as number) + gy * xh;
      accB[j] = (accB[j] as number) + gy;
    }
    s1 /= d;
    s2 /= d;
    for (let j = 0; j < d; j++) {
      const xh = ((x[o + j] as number) - m) * rs;
      dx[o + j] = rs * ((dy[o + j] as number) * (g[j] as number) - s1 - xh * s2);
    }
  }
  dg.set(accG);
  db.set(accB);
}

/** Per channel of the last axis over all rows: batch mean, (biased) variance, rstd; y normalised. */
function batchNormJs(
  x: Float32Array, g: Float32Array, b: Float32Array, y: Float32Array, mean: Float32Array, variance: Float32Array, rstd: Float32Array,
  rows: number, c: number, eps: number,
): void {
  const s = new Float64Array(c);
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    for (let j = 0; j < c; j++) s[j] = (s[j] as number) + (x[o + j] as number);
  }
  for (let j = 0; j < c; j++) mean[j] = (s[j] as number) / rows;
  s.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    for (let j = 0; j < c; j++) {
      const t = (x[o + j] as number) - (mean[j] as number);
      s[j] = (s[j] as number) + t * t;
    }
  }
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    const v = (s[j] as number) / rows;
    variance[j] = v;
    const rs = 1 / Math.sqrt(v + eps);
    rstd[j] = rs;
    scale[j] = rs * (g[j] as number);
    shift[j] = (b[j] as number) - (mean[j] as number) * rs * (g[j] as number);
  }
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    for (let j = 0; j < c; j++) y[o + j] = (x[o + j] as number) * (scale[j] as number) + (shift[j] as number);
  }
}

/** dx = rstd·g·(dy - mean(dy) - xhat·mean(dy·xhat)) per channel; dgamma = Σ dy·xhat, dbeta = Σ dy. */
function batchNormGradJs(
  dy: Float32Array, x: Float32Array, g: Float32Array, mean: Float32Array, rstd: Float32Array,
  dx: Float32Array, dg: Float32Array, db: Float32Array, rows: number, c: number,
): void {
  const sdy = new Float64Array(c);
  const sdyx = new Float64Array(c);
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    for (let j = 0; j < c; j++) {
      const gy = dy[o + j] as number;
      sdy[j] = (sdy[j] as number) + gy;
      sdyx[j] = (sdyx[j] as number) + gy * ((x[o + j] as number) - (mean[j] as number));
    }
  }
  const k = new Float32Array(c);
  const a = new Float32Array(c);
  const bb = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    const rs = rstd[j] as number;
    db[j] = sdy[j] as number;
    dg[j] = (sdyx[j] as number) * rs;
    // dx = k·dy - a·(x - mean) - bb, with k = rs·g, a = k·rs²·Σdy(x-mean)/rows, bb = k·Σdy/rows.
    k[j] = rs * (g[j] as number);
    a[j] = (k[j] as number) * rs * rs * ((sdyx[j] as number) / rows);
    bb[j] = (k[j] as number) * ((sdy[j] as number) / rows);
  }
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    for (let j = 0; j < c; j++) {
      dx[o + j] = (k[j] as number) * (dy[o + j] as number) - (a[j] as number) * ((x[o + j] as number) - (mean[j] as number)) - (bb[j] as number);
    }
  }
}

/** dz = dy·act'(from y), db = Σ_rows dz: a Dense/Conv2D's bias + activation backward in one pass. */
function biasActGradJs(dy: Float32Array, y: Float32Array, dz: Float32Array, db: Float32Array, rows: number, c: number, act: number): void {
  // One derivative per call, chosen once: a switch per element would cost more than the arithmetic.
  const derivative: (g: number, v: number) => number =
    act === 1 ? (g, v) => (v > 0 ? g : 0) // relu
      : act === 3 ? (g, v) => (v >= 0 ? g : g * (v + 1)) // elu, as tfjs's EluGrad
        : act === 4 ? (g, v) => g * v * (1 - v) // sigmoid
          : act === 6 ? (g, v) => g * (1 - v * v) // tanh
            : (g) => g; // linear
  const acc = new Float64Array(c);
  for (let r = 0; r < rows; r++) {
    const o = r * c;
    for (let j = 0; j < c; j++) {
      const z = derivative(dy[o + j] as number, y[o + j] as number);
      dz[o + j] = z;
      acc[j] = (acc[j] as number) + z;
    }
  }
  db.set(acc);
}

/**
 * One Adam step in one pass, in the float32 operation order of the rule it replaces
 * (src/runtime/training/optimizers/rules.ts): m' = m + (g - m)(1 - b1); v' = v + (g² - v)(1 - b2);
 * w' = w - (m'·alpha)/(sqrt(v') + eps). tfjs runs that as 12 kernels, each a pass over the weights.
 */
function adamJs(
  w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, w2: Float32Array, m2: Float32Array, v2: Float32Array,
  alpha: number, b1: number, b2: number, eps: number,
): void {
  const f = Math.fround;
  const c1 = f(1 - b1);
  const c2 = f(1 - b2);
  const a = f(alpha);
  const e = f(eps);
  for (let i = 0; i < w.length; i++) {
    const gi = g[i] as number;
    const mi = f((m[i] as number) + f(f(gi - (m[i] as number)) * c1));
    const vi = f((v[i] as number) + f(f(f(gi * gi) - (v[i] as number)) * c2));
    m2[i] = mi;
    v2[i] = vi;
    w2[i] = (w[i] as number) - f(f(mi * a) / f(f(Math.sqrt(vi)) + e));
  }
}

function adamKernel(native: NativeNorm | undefined): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const [w, g, m, v] = ['w', 'g', 'm', 'v'].map((n) => need(args, n)) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
    const n = sizeOf(w.shape);
    if (sizeOf(g.shape) !== n || sizeOf(m.shape) !== n || sizeOf(v.shape) !== n) throw new Error(`wasm-kernels: ${ADAM_STEP} needs w, g, m and v of one size`);
    const attrs = args.attrs ?? {};
    const [alpha, b1, b2, eps] = ['alpha', 'beta1', 'beta2', 'epsilon'].map((k) => Number(attrs[k])) as [number, number, number, number];
    const w2 = backend.makeOutput(w.shape, 'float32');
    const m2 = backend.makeOutput(w.shape, 'float32');
    const v2 = backend.makeOutput(w.shape, 'float32');
    if (native) {
      native.adam(heapBuffer(backend), floatOffset(backend, w), floatOffset(backend, g), floatOffset(backend, m), floatOffset(backend, v), floatOffset(backend, w2), floatOffset(backend, m2), floatOffset(backend, v2), n, alpha, b1, b2, eps);
    } else {
      adamJs(f32(backend, w), f32(backend, g), f32(backend, m), f32(backend, v), f32(backend, w2), f32(backend, m2), f32(backend, v2), alpha, b1, b2, eps);
    }
    return [w2, m2, v2];
  };
}

/**
 * What the LayerNorm and BatchNorm forward kernels read alike: x, gamma, beta, epsilon, gamma's
 * size (LayerNorm's row length, BatchNorm's channel count), the rows it divides x into, and y.
 */
function normForward(args: Args): { backend: WasmBackend; x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo; eps: number; width: number; rows: number; y: tf.TensorInfo } {
  const backend = asWasmBackend(args.backend);
  const x = need(args, 'x');
  const gamma = need(args, 'gamma');
  const beta = need(args, 'beta');
  const eps = Number(args.attrs?.['epsilon']);
  const width = sizeOf(gamma.shape);
  const rows = sizeOf(x.shape) / width;
  return { backend, x, gamma, beta, eps, width, rows, y: backend.makeOutput(x.shape, 'float32') };
}

/** The row size of a LayerNorm: gamma's element count (its axes are x's trailing ones). */
function layerNormKernel(native: NativeNorm | undefined): tf.KernelFunc {
  return (args) => {
    const { backend, x, gamma, beta, eps, width: d, rows, y } = normForward(args);
    const mean = backend.makeOutput([rows], 'float32');
    const rstd = backend.makeOutput([rows], 'float32');
    if (native) {
      native.layerNorm(heapBuffer(backend), floatOffset(backend, x), floatOffset(backend, gamma), floatOffset(backend, beta), floatOffset(backend, y), floatOffset(backend, mean), floatOffset(backend, rstd), rows, d, eps);
    } else {
      layerNormJs(f32(backend, x), f32(backend, gamma), f32(backend, beta), f32(backend, y), f32(backend, mean), f32(backend, rstd), rows, d, eps);
    }
    return [y, mean, rstd];
  };
}

/**
 * LayerNorm's and BatchNorm's gradients take the same tensors (dy, x, gamma, mean, rstd -> dx,
 * dgamma, dbeta) and differ only in the loop: `width` is the row length d for LayerNorm, the
 * channel count c for BatchNorm (gamma's size either way).
 */
type NormGradNative = (heap: ArrayBuffer, dy: number, x: number, gamma: number, mean: number, rstd: number, dx: number, dg: number, db: number, rows: number, width: number) => void;
type NormGradJs = (dy: Float32Array, x: Float32Array, g: Float32Array, mean: Float32Array, rstd: Float32Array, dx: Float32Array, dg: Float32Array, db: Float32Array, rows: number, width: number) => void;

function normGradKernel(native: NormGradNative | undefined, js: NormGradJs): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const [dy, x, gamma, mean, rstd] = ['dy', 'x', 'gamma', 'mean', 'rstd'].map((n) => need(args, n)) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
    const width = sizeOf(gamma.shape);
    const rows = sizeOf(x.shape) / width;
    const dx = backend.makeOutput(x.shape, 'float32');
    const dg = backend.makeOutput(gamma.shape, 'float32');
    const db = backend.makeOutput(gamma.shape, 'float32');
    if (native) {
      native(
        heapBuffer(backend), floatOffset(backend, dy), floatOffset(backend, x), floatOffset(backend, gamma), floatOffset(backend, mean), floatOffset(backend, rstd),
        floatOffset(backend, dx), floatOffset(backend, dg), floatOffset(backend, db), rows, width,
      );
    } else {
      js(f32(backend, dy), f32(backend, x), f32(backend, gamma), f32(backend, mean), f32(backend, rstd), f32(backend, dx), f32(backend, dg), f32(backend, db), rows, width);
    }
    return [dx, dg, db];
  };
}

function batchNormTrainKernel(native: NativeNorm | undefined): tf.KernelFunc {
  return (args) => {
    const { backend, x, gamma, beta, eps, width: c, rows, y } = normForward(args);
    const mean = backend.makeOutput([c], 'float32');
    const variance = backend.makeOutput([c], 'float32');
    const rstd = backend.makeOutput([c], 'float32');
    if (native) {
      native.batchNorm(
        heapBuffer(backend), floatOffset(backend, x), floatOffset(backend, gamma), floatOffset(backend, beta), floatOffset(backend, y),
        floatOffset(backend, mean), floatOffset(backend, variance), floatOffset(backend, rstd), rows, c, eps,
      );
    } else {
      batchNormJs(f32(backend, x), f32(backend, gamma), f32(backend, beta), f32(backend, y), f32(backend, mean), f32(backend, variance), f32(backend, rstd), rows, c, eps);
    }
    return [y, mean, variance, rstd];
  };
}

function biasActGradKernel(native: NativeNorm | undefined): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const dy = need(args, 'dy');
    const y = need(args, 'y');
    const activation = String(args.attrs?.['activation'] ?? 'linear');
    const act = NORM_ACTIVATIONS[activation];
    if (act === undefined) throw new Error(`wasm-kernels: ${BIAS_ACT_GRAD} has no '${activation}' derivative`);
    const c = y.shape[y.shape.length - 1] ?? 1;
    const rows = sizeOf(y.shape) / c;
    const dz = backend.makeOutput(y.shape, 'float32');
    const db = backend.makeOutput([c], 'float32');
    if (native) native.biasActGrad(heapBuffer(backend), floatOffset(backend, dy), floatOffset(backend, y), floatOffset(backend, dz), floatOffset(backend, db), rows, c, act);
    else biasActGradJs(f32(backend, dy), f32(backend, y), f32(backend, dz), f32(backend, db), rows, c, act);
    return [dz, db];
  };
}

/** The kernels by name; `native` (the addon's norm functions) when loaded, else the JavaScript loops. */
export function fusedNormKernels(native: NativeNorm | undefined): Array<[string, tf.KernelFunc]> {
  return [
    [LAYER_NORM, layerNormKernel(native)],
    [LAYER_NORM_GRAD, normGradKernel(native?.layerNormGrad.bind(native), layerNormGradJs)],
    [BATCH_NORM_TRAIN, batchNormTrainKernel(native)],
    [BATCH_NORM_GRAD, normGradKernel(native?.batchNormGrad.bind(native), batchNormGradJs)],
    [BIAS_ACT_GRAD, biasActGradKernel(native)],
    [ADAM_STEP, adamKernel(native)],
  ];
}
