/**
 * Which of kerats' fused wasm kernels a training step on the active backend will take, for the
 * memory estimate (memory-estimate.ts): each path keeps far fewer tensors for the backward pass
 * than tfjs-layers' op-by-op one. Asked of the modules that decide at call time, so turning a path
 * off (setFusedLayersEnabled(false), KERATS_FUSED_RNN=0, KERATS_FUSED_ATTENTION=0) or a missing
 * native addon is seen here too.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedRnnUnavailable } from '../registry/layers/fused-rnn.js';
import { GENERIC_PATHS, type FusedPaths } from './memory-estimate.js';
import { fusedAttentionUnavailable } from './wasm-kernels/fused-attention-op.js';
import { fusedLayersActive } from './wasm-kernels/fused-layers.js';

/** The fused paths on `backend` (the active one: the fused kernels exist only once it is set up). */
export function fusedPaths(backend: string): FusedPaths {
  if (backend !== 'wasm' || tf.getBackend() !== 'wasm') return GENERIC_PATHS;
  return { layers: fusedLayersActive(), recurrent: fusedRnnUnavailable() === undefined, attention: fusedAttentionUnavailable() === undefined };
}
