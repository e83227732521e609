/**
 * What the kernel equivalence tests (fused-norm, fused-rnn, fused-attention, wasm-kernels) share:
 * reproducible inputs, the relative error they compare two paths by, and the wasm backend set up
 * with kerats' training kernels.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/runtime/wasm-kernels/index.js';

/** Deterministic uniform [-scale, scale) values (mulberry32), so a failure reproduces. */
export function randoms(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/**
 * Largest |want - got| over the largest |want|, that scale at least `floor` (and 1 when all of
 * `want` is 0): one number per tensor, independent of its magnitude.
 */
export function relativeError(want: ArrayLike<number>, got: ArrayLike<number>, floor = 0): number {
  let scale = floor;
  let diff = 0;
  for (let i = 0; i < want.length; i++) {
    const a = Number(want[i]);
    scale = Math.max(scale, Math.abs(a));
    diff = Math.max(diff, Math.abs(a - Number(got[i])));
  }
  return diff / (scale || 1);
}

/** The wasm backend with kerats' training kernels registered (the `before` of the fused-kernel tests). */
export async function useWasmWithTrainingKernels(): Promise<void> {
  registerWasmTrainingKernels();
  assert.ok(await tf.setBackend('wasm'));
  await tf.ready();
}
