/**
 * What `--backend auto` picks, from the backends that are available, the model's size and the
 * batch size.
 *
 * The rule comes from bench-style measurements (MLP 32-w-w-10, Adam, model.fit, samples/s, median
 * of 3 rounds) on this project's 2-core x86-64 CI machine, shared with other jobs (so each figure is
 * good to about 2x): tfjs-node 4.22 built by `kerats setup tensorflow` against pip's
 * tensorflow-cpu 2.21 (oneDNN off, see tf-native/load.ts) vs kerats' wasm backend with its
 * OpenBLAS addon. TensorFlow / wasm speed, two runs:
 *   970 params:        batch 32: 0.72, 0.53   batch 128: 0.65, 0.57
 *   6,922 params:      batch 32: 0.52, 0.34   batch 128: 1.90, 0.68
 *   76,810 params:     batch 32: 0.59, 2.78   batch 128: 4.36, 4.79
 *   284,682 params:    batch 32: 0.71, 1.18   batch 128: 1.66, 1.27
 *   1,093,642 params:  batch 32: 0.55, 1.02   batch 128: 0.85, 4.83
 *   202 params (iris-sized), batch 8: 0.63
 * Small models are per-op overhead (TensorFlow's eager dispatch through N-API costs more than a
 * wasm kernel call, and loading TensorFlow adds about 1.5 s); large batches of large models are
 * arithmetic, where TensorFlow's multi-threaded kernels win. So: TensorFlow from 50,000 parameters
 * at batch 64 or more, wasm otherwise. The GPU build follows the same rule (not measured here: no
 * GPU; a GPU's per-op launch cost is higher still, so small models are no faster on it).
 */
import type { BackendName } from './backend.js';

/** From this many parameters, and NATIVE_TF_MIN_BATCH samples a batch, native TensorFlow trains faster than wasm. */
export const NATIVE_TF_MIN_PARAMS = 50_000;
export const NATIVE_TF_MIN_BATCH = 64;

export interface AutoChoice {
  name: BackendName;
  /** One sentence for the log: what was chosen and why. */
  why: string;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

export function autoChoice(available: readonly BackendName[], params: number | undefined, batchSize?: number): AutoChoice {
  const native = (['tensorflow-gpu', 'tensorflow'] as const).find((n) => available.includes(n));
  const fallback: BackendName = available.includes('wasm') ? 'wasm' : available.includes('cpu') ? 'cpu' : 'wasm';
  if (!native) {
    return { name: fallback, why: `${fallback}: no TensorFlow backend is available (kerats setup tensorflow builds one from a local TensorFlow)` };
  }
  if (!available.includes('wasm')) return { name: native, why: `${native}: wasm is not available` };
  const rule = `${native} from ${fmt(NATIVE_TF_MIN_PARAMS)} parameters at batch ${NATIVE_TF_MIN_BATCH}+, where it measured faster than wasm`;
  if (params === undefined) {
    return { name: 'wasm', why: `wasm: the model's size is not known before it loads (rule: ${rule}); pass --backend ${native} to use it` };
  }
  const batch = batchSize === undefined ? '' : ` and batch ${fmt(batchSize)}`;
  if (params >= NATIVE_TF_MIN_PARAMS && (batchSize === undefined || batchSize >= NATIVE_TF_MIN_BATCH)) {
    return { name: native, why: `${native}: the model has ${fmt(params)} parameters${batch} (rule: ${rule})` };
  }
  return { name: 'wasm', why: `wasm: the model has ${fmt(params)} parameters${batch} (rule: ${rule})` };
}
