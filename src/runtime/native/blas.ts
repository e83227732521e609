/**
 * The optional native acceleration (kerats-blas, native/kerats_blas.c): OpenBLAS GEMM and
 * im2col/col2im over the WebAssembly backend's own memory. `npm install` builds it when the
 * system has OpenBLAS's headers (Debian: libopenblas-dev); without it kerats runs on plain wasm.
 * KERATS_NATIVE_BLAS=0 turns it off; KERATS_BLAS_THREADS sets OpenBLAS's thread count (default:
 * OpenBLAS's own choice, the core count or OPENBLAS_NUM_THREADS).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../util/package-root.js';

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
  threads(n?: number): number;
  config(): string;
}

/** Activation codes of `epilogue`, matching the C enum; tfjs fused activations not listed fall back. */
export const NATIVE_ACTIVATIONS: Readonly<Record<string, number>> = { linear: 0, relu: 1, relu6: 2, elu: 3, sigmoid: 4, leakyrelu: 5 };

export interface NativeBlasStatus {
  available: boolean;
  /** e.g. "OpenBLAS 0.3.21 ... Zen MAX_THREADS=64, 2 threads", or why it is not used. */
  detail: string;
  path: string;
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
        detail: 'not built (install OpenBLAS headers, e.g. apt-get install libopenblas-dev, then npm run build:native)',
        path: file,
      },
    };
  }
  try {
    const blas = createRequire(import.meta.url)(file) as NativeBlas;
    const wanted = Number(process.env['KERATS_BLAS_THREADS']);
    const threads = Number.isInteger(wanted) && wanted > 0 ? blas.threads(wanted) : blas.threads();
    return { blas, status: { available: true, detail: `${blas.config()}, ${threads} thread${threads === 1 ? '' : 's'}`, path: file } };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err);
    return { status: { available: false, detail: `failed to load: ${msg} (rebuild with npm run build:native)`, path: file } };
  }
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
