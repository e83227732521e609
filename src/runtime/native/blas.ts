/**
 * The optional native acceleration (kerats-blas, native/kerats_blas.c): GEMM and im2col/col2im
 * over the WebAssembly backend's own memory. `npm install` builds it when the system has a C
 * compiler; its GEMM is OpenBLAS's when OpenBLAS's headers were there (Debian: libopenblas-dev),
 * else the bundled blocked SGEMM (native/kerats_sgemm.c). Without it kerats runs on plain wasm.
 * KERATS_NATIVE_BLAS=0 turns it off; KERATS_NATIVE_BLAS=bundled uses the bundled SGEMM even where
 * OpenBLAS is linked; KERATS_BLAS_THREADS sets the GEMM's thread count (default: OpenBLAS's own
 * choice, the core count or OPENBLAS_NUM_THREADS; the bundled one: the core count).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../util/package-root.js';
import { chooseOpenBlasCore } from './openblas-core.js';

/** The addon's functions; offsets and sizes in float32 elements of the wasm memory. */
export interface NativeBlas {
  gemm(
    heap: ArrayBuffer, transA: number, transB: number, m: number, n: number, k: number,
    aOff: number, bOff: number, cOff: number, batch: number, strideA: number, strideB: number, strideC: number, beta: number,
  ): void;
  epilogue(heap: ArrayBuffer, off: number, rows: number, cols: number, biasOff: number, act: number, leakyAlpha: number): void;
  im2col(heap: ArrayBuffer, xOff: number, colOff: number, ...geometry: number[]): void;
  col2im(heap: ArrayBuffer, colOff: number, dxOff: number, ...geometry: number[]): void;
  filterGrad(heap: ArrayBuffer, xOff: number, dyOff: number, dwOff: number, outChannels: number, ...geometry: number[]): void;
  maxPoolGrad(heap: ArrayBuffer, xOff: number, dyOff: number, dxOff: number, ...geometry: number[]): void;
  /** Whole-sequence recurrent layers (native/kerats_rnn.c; absent from addons built before them). */
  rnnForward?(heap: ArrayBuffer, ...args: number[]): void;
  rnnBackward?(heap: ArrayBuffer, ...args: number[]): void;
  rnnWorkspace?(cell: number, batch: number, steps: number, units: number): number;
  threads(n?: number): number;
  /** The GEMM in use: "OpenBLAS 0.3.21 ... Haswell MAX_THREADS=64" or "bundled SGEMM (AVX2/FMA)". */
  config(): string;
  /** Switches to the bundled SGEMM (true) or back to OpenBLAS (false, when linked); returns whether the bundled one is in use. */
  useBundled(on?: boolean): boolean;
  hasOpenBlas(): boolean;
  /** Fused attention (native/kerats_attention.c); absent from addons built before it. Layouts in src/runtime/wasm-kernels/fused-attention-op.ts. */
  attentionForward?(
    heap: ArrayBuffer, qOff: number, kOff: number, vOff: number, maskOff: number, ctxOff: number, probsOff: number,
    B: number, T: number, S: number, H: number, dk: number, dv: number, maskBatch: number, causal: number, scale: number,
    packedRowWidth?: number,
  ): void;
  attentionBackward?(
    heap: ArrayBuffer, dctxOff: number, dprobsOff: number, qOff: number, kOff: number, vOff: number, probsOff: number,
    dqOff: number, dkOff: number, dvOff: number, B: number, T: number, S: number, H: number, dk: number, dv: number, scale: number,
    packedRowWidth?: number,
  ): void;
}

/**
 * The addon's one-pass normalisation and bias + activation gradient loops (native/kerats_norm.c);
 * see src/runtime/wasm-kernels/fused-norm.ts for what each computes. Absent from addons built before them.
 */
export interface NativeNorm {
  layerNorm(heap: ArrayBuffer, x: number, gamma: number, beta: number, y: number, mean: number, rstd: number, rows: number, d: number, eps: number): void;
  layerNormGrad(heap: ArrayBuffer, dy: number, x: number, gamma: number, mean: number, rstd: number, dx: number, dgamma: number, dbeta: number, rows: number, d: number): void;
  batchNorm(heap: ArrayBuffer, x: number, gamma: number, beta: number, y: number, mean: number, variance: number, rstd: number, rows: number, c: number, eps: number): void;
  batchNormGrad(heap: ArrayBuffer, dy: number, x: number, gamma: number, mean: number, rstd: number, dx: number, dgamma: number, dbeta: number, rows: number, c: number): void;
  biasActGrad(heap: ArrayBuffer, dy: number, y: number, dz: number, dbias: number, rows: number, c: number, act: number): void;
  adam(heap: ArrayBuffer, w: number, g: number, m: number, v: number, w2: number, m2: number, v2: number, n: number, alpha: number, beta1: number, beta2: number, eps: number): void;
}

/** Activation codes of `biasActGrad` (NATIVE_ACTIVATIONS' plus tanh). */
export const NORM_ACTIVATIONS: Readonly<Record<string, number>> = { linear: 0, relu: 1, elu: 3, sigmoid: 4, tanh: 6 };

/** The addon's normalisation loops when it is in use and has them. */
export function nativeNorm(): NativeNorm | undefined {
  const blas = nativeBlas() as (NativeBlas & Partial<NativeNorm>) | undefined;
  return blas && typeof blas.layerNorm === 'function' && typeof blas.adam === 'function' ? (blas as NativeBlas & NativeNorm) : undefined;
}

/** Which GEMM the addon runs: OpenBLAS (when linked) or the bundled SGEMM. */
export type NativeGemm = 'openblas' | 'bundled';

/** Activation codes of `epilogue`, matching the C enum; tfjs fused activations not listed fall back. */
export const NATIVE_ACTIVATIONS: Readonly<Record<string, number>> = { linear: 0, relu: 1, relu6: 2, elu: 3, sigmoid: 4, leakyrelu: 5 };

export interface NativeBlasStatus {
  available: boolean;
  /** e.g. "OpenBLAS 0.3.21 ... Zen MAX_THREADS=64, 2 threads" or "bundled SGEMM (AVX2/FMA), 2 threads", or why it is not used. */
  detail: string;
  path: string;
  /** The GEMM in use, when available. */
  gemm?: NativeGemm;
  /** Whether the addon links OpenBLAS (it always has the bundled SGEMM), when available. */
  openblas?: boolean;
}

let loaded: { blas?: NativeBlas; status: NativeBlasStatus } | undefined;
let enabled = true;

/**
 * Turns the addon off (or back on) for wasm kernels registered from now on, without unloading it:
 * the benchmark measures wasm with and without it in one process.
 */
export function setNativeBlasEnabled(on: boolean): void {
  enabled = on;
}

export function addonPath(): string {
  return path.join(packageRoot(), 'native', 'build', 'Release', 'kerats_blas.node');
}

function load(): { blas?: NativeBlas; status: NativeBlasStatus } {
  const file = addonPath();
  if (process.env['KERATS_NATIVE_BLAS'] === '0') {
    return { status: { available: false, detail: 'turned off by KERATS_NATIVE_BLAS=0', path: file } };
  }
  if (!existsSync(file)) {
    return {
      status: {
        available: false,
        detail: 'not built (install a C compiler, e.g. apt-get install gcc, optionally OpenBLAS: apt-get install libopenblas-dev; then npm run build:native)',
        path: file,
      },
    };
  }
  try {
    chooseOpenBlasCore();
    const blas = createRequire(import.meta.url)(file) as NativeBlas;
    // An addon built before the bundled SGEMM existed has neither function: it is OpenBLAS's.
    if (typeof blas.useBundled === 'function' && process.env['KERATS_NATIVE_BLAS'] === 'bundled') blas.useBundled(true);
    const wanted = Number(process.env['KERATS_BLAS_THREADS']);
    if (Number.isInteger(wanted) && wanted > 0) blas.threads(wanted);
    return { blas, status: describe(blas, file) };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err);
    return { status: { available: false, detail: `failed to load: ${msg} (rebuild with npm run build:native)`, path: file } };
  }
}

function describe(blas: NativeBlas, file: string): NativeBlasStatus {
  const threads = blas.threads();
  const bundled = typeof blas.useBundled === 'function' ? blas.useBundled() : false;
  const openblas = typeof blas.hasOpenBlas === 'function' ? blas.hasOpenBlas() : true;
  return { available: true, detail: `${blas.config()}, ${threads} thread${threads === 1 ? '' : 's'}`, path: file, gemm: bundled ? 'bundled' : 'openblas', openblas };
}

/**
 * Picks the addon's GEMM for kernels run from now on (the benchmark compares both in one process).
 * Returns false when that GEMM is not there (no addon, or OpenBLAS not linked).
 */
export function setNativeGemm(gemm: NativeGemm): boolean {
  loaded ??= load();
  const blas = loaded.blas;
  if (!blas || typeof blas.useBundled !== 'function') return false;
  if (gemm === 'openblas' && !blas.hasOpenBlas()) return false;
  blas.useBundled(gemm === 'bundled');
  loaded = { blas, status: describe(blas, loaded.status.path) };
  return true;
}

/** The addon, loaded once; undefined when absent, turned off or broken. */
export function nativeBlas(): NativeBlas | undefined {
  loaded ??= load();
  return enabled ? loaded.blas : undefined;
}

export function nativeBlasStatus(): NativeBlasStatus {
  loaded ??= load();
  return loaded.status;
}
