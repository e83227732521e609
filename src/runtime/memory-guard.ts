/**
 * Memory checks around training: the step's estimated peak against what the backend can hold
 * (refused before training, with the largest batch size that fits), and out-of-memory failures
 * that still happen turned into one clear message instead of `Aborted()` or a "bug" report.
 */
import os from 'node:os';
import type * as tf from '@tensorflow/tfjs';
import type { NamedEntry } from '../config/types.js';
import { KeratsError } from '../util/errors.js';
import type { BackendName } from './backend.js';
import { GENERIC_PATHS, estimateStepMemory, formatMemory, largestBatchThatFits, type FusedPaths, type StepMemory } from './memory-estimate.js';

/** The most a 32-bit WebAssembly memory can grow to (tfjs-backend-wasm's heap maximum). */
export const WASM_MAX_BYTES = 4_294_901_760;

/** What the backend can hold: WebAssembly's 4 GB, else the machine's free memory; KERATS_MEMORY_LIMIT overrides. */
export function memoryLimit(backend: BackendName, env: NodeJS.ProcessEnv = process.env): { bytes: number; what: string } {
  const set = Number(env.KERATS_MEMORY_LIMIT);
  if (env.KERATS_MEMORY_LIMIT && Number.isFinite(set) && set > 0) return { bytes: set, what: 'the memory KERATS_MEMORY_LIMIT allows' };
  if (backend === 'wasm') return { bytes: WASM_MAX_BYTES, what: "the wasm backend's WebAssembly memory" };
  return { bytes: os.freemem(), what: "this machine's free memory" };
}

/** `~194 MB (weights 7.4 MB, optimizer slots 14.7 MB, activations 177 MB at batch size 32, largest temporary 126 MB)`. */
export function describeStepMemory(m: StepMemory): string {
  const parts = [
    `weights ${formatMemory(m.weights)}`,
    `gradients ${formatMemory(m.gradients)}`,
    `optimizer slots ${formatMemory(m.optimizerSlots)}`,
    `activations ${formatMemory(m.activations)} at batch size ${m.batchSize}`,
    `largest temporary ${formatMemory(m.largestTemporary)}`,
  ];
  return `~${formatMemory(m.total)} (${parts.join(', ')})`;
}

export interface StepCheck {
  estimate: StepMemory;
  limit: { bytes: number; what: string };
}

/**
 * Estimates the step and refuses it (exit 2) when it cannot fit: names the estimate, the limit,
 * the layer that needs the most and the largest batch size that fits. `paths`: the fused wasm
 * kernels the step will take (fusedPaths(backend) in fused-paths.ts).
 */
export function checkStepMemory(model: tf.LayersModel, batchSize: number, optimizer: NamedEntry | undefined, backend: BackendName, paths: FusedPaths = GENERIC_PATHS): StepCheck {
  const estimate = estimateStepMemory(model, batchSize, optimizer, paths);
  const limit = memoryLimit(backend);
  if (estimate.total <= limit.bytes) return { estimate, limit };
  const fits = largestBatchThatFits(estimate, limit.bytes);
  const layer = estimate.largestLayer ? `; the layer that needs the most is "${estimate.largestLayer.name}" (${estimate.largestLayer.type}, ${formatMemory(estimate.largestLayer.perSample)} per sample)` : '';
  const fix = fits >= 1
    ? `set fit.batch_size to ${Math.min(fits, batchSize - 1)} or less (--set fit.batch_size=${Math.min(fits, batchSize - 1)})${backend === 'wasm' ? ', or use --backend tensorflow' : ''}`
    : `even batch size 1 does not fit: make the model smaller${backend === 'wasm' ? ', or use --backend tensorflow' : ''}`;
  throw new KeratsError(
    `a training step needs ${describeStepMemory(estimate)}, more than fits in ${limit.what} (${formatMemory(limit.bytes)})${layer}; ${fix}. ` +
      'Set KERATS_MEMORY_LIMIT=<bytes> to change the limit checked.',
  );
}

const OOM_PATTERNS = [
  /\bAborted\(/,
  /\babort\(OOM\)/i,
  /out of memory/i,
  /Cannot enlarge memory/i,
  /WebAssembly\.Memory.*grow/i,
  /tensor range outside the WebAssembly memory/,
  // A size past 4 GB wraps around in the 32-bit wasm heap and traps instead of failing malloc.
  /memory access out of bounds/,
  /Array buffer allocation failed/i,
  /Invalid typed array length/i,
  /could not allocate memory/i,
];

/** True for the ways the backends report running out of memory. */
export function isOutOfMemory(err: unknown): boolean {
  const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return OOM_PATTERNS.some((re) => re.test(msg));
}

/** The user's error for an out-of-memory failure during training (exit 2). */
export function outOfMemoryError(check: StepCheck | undefined, batchSize: number | undefined, backend: BackendName): KeratsError {
  const m = check?.estimate;
  const layer = m?.largestLayer ? ` (the layer that needs the most is "${m.largestLayer.name}", ${m.largestLayer.type})` : '';
  const size = batchSize !== undefined ? ` at batch size ${batchSize}` : '';
  const estimate = m ? `; the step was estimated at ${describeStepMemory(m)}` : '';
  const half = batchSize !== undefined && batchSize > 1 ? `set fit.batch_size to ${Math.max(1, Math.floor(batchSize / 2))} (--set fit.batch_size=${Math.max(1, Math.floor(batchSize / 2))})` : 'make the model smaller';
  const where = backend === 'wasm' ? 'the wasm backend ran out of WebAssembly memory' : `the ${backend} backend ran out of memory`;
  return new KeratsError(`${where} while training${size}${layer}${estimate}; ${half}${backend === 'wasm' ? ', or use --backend tensorflow' : ''}`);
}

/** The estimate as `summary --json` prints it (snake_case, bytes). */
export interface StepMemoryJson {
  batch_size: number;
  total: number;
  weights: number;
  gradients: number;
  optimizer_slots: number;
  activations: number;
  largest_temporary: number;
  largest_layer: { name: string; type: string; per_sample: number } | null;
}

export function stepMemoryJson(m: StepMemory): StepMemoryJson {
  return {
    batch_size: m.batchSize,
    total: Math.round(m.total),
    weights: m.weights,
    gradients: m.gradients,
    optimizer_slots: m.optimizerSlots,
    activations: Math.round(m.activations),
    largest_temporary: Math.round(m.largestTemporary),
    largest_layer: m.largestLayer ? { name: m.largestLayer.name, type: m.largestLayer.type, per_sample: Math.round(m.largestLayer.perSample) } : null,
  };
}
