/**
 * What `--backend auto` picks, from the backends that are available and the model's size.
 *
 * The rule, from measurements on a 2-core x86-64 (AVX-512) machine, tfjs-node 4.22 built against
 * pip's tensorflow-cpu 2.21 vs kerats' wasm backend with its OpenBLAS addon, training an MLP
 * (Adam) with model.fit, samples/s (README, "GPU and native TensorFlow"):
 *   202 params: batch 8 wasm 2.2x faster, batch 16 wasm 1.3x faster, batch 32 TensorFlow 1.2x faster;
 *   970 params and up (to 1.1M; batch 32 and 128): TensorFlow 1.8x to 13x faster.
 * Below ~1,000 parameters each step is a few microseconds of arithmetic and per-op overhead decides
 * (TensorFlow's eager op dispatch costs more than a wasm kernel call, and loading TensorFlow adds
 * about 1.5 s to start-up); above it TensorFlow's multi-threaded oneDNN kernels win. The GPU
 * build follows the same rule (not measured here: no GPU; a GPU's per-op launch cost is higher
 * still, so small models are no faster on it).
 */
import type { BackendName } from './backend.js';

/** Models with at least this many parameters train faster on a native TensorFlow backend than on wasm. */
export const NATIVE_TF_MIN_PARAMS = 1_000;

export interface AutoChoice {
  name: BackendName;
  /** One sentence for the log: what was chosen and why. */
  why: string;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

export function autoChoice(available: readonly BackendName[], params: number | undefined): AutoChoice {
  const native = (['tensorflow-gpu', 'tensorflow'] as const).find((n) => available.includes(n));
  const fallback: BackendName = available.includes('wasm') ? 'wasm' : available.includes('cpu') ? 'cpu' : 'wasm';
  if (!native) {
    return { name: fallback, why: `${fallback}: no TensorFlow backend is available (kerats setup tensorflow builds one from a local TensorFlow)` };
  }
  if (!available.includes('wasm')) return { name: native, why: `${native}: wasm is not available` };
  if (params === undefined) {
    return { name: 'wasm', why: `wasm: the model's size is not known before it loads, and wasm starts faster; pass --backend ${native} for large models` };
  }
  if (params >= NATIVE_TF_MIN_PARAMS) {
    return { name: native, why: `${native}: the model has ${fmt(params)} parameters (>= ${fmt(NATIVE_TF_MIN_PARAMS)}, where native TensorFlow trains faster than wasm)` };
  }
  return { name: 'wasm', why: `wasm: the model has ${fmt(params)} parameters (< ${fmt(NATIVE_TF_MIN_PARAMS)}, where wasm is as fast or faster than ${native} and starts sooner)` };
}
