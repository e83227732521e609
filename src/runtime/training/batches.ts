/**
 * The batches of one epoch, from in-memory examples (sliced, or gathered in a seeded shuffled
 * order) or from a stream (pulled from its async iterator). Either way the consumer owns and
 * disposes every batch's tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { permutation, type Prng } from '../../util/prng.js';
import { isStreaming, type AnyExamples, type ExampleBatch, type Examples } from '../data/types.js';
import { mapTensors } from './outputs.js';

export interface Batch extends ExampleBatch {
  /** Rows in the batch. */
  size: number;
}

export interface EpochBatches {
  /** Batches this epoch will have, when known in advance. */
  steps?: number;
  batches: AsyncIterable<Batch>;
}

export function rowsOf(b: ExampleBatch): number {
  const first = b.x instanceof tf.Tensor ? b.x : Object.values(b.x)[0];
  return first?.shape[0] ?? 0;
}

/** Batches per epoch for `data` (undefined for a stream of unknown size), capped by steps_per_epoch. */
export function stepsFor(data: AnyExamples, batchSize: number, stepsPerEpoch?: number): number | undefined {
  const size = data.size;
  const all = size === undefined ? undefined : Math.ceil(size / batchSize);
  if (stepsPerEpoch === undefined) return all;
  return all === undefined ? stepsPerEpoch : Math.min(all, stepsPerEpoch);
}

async function* inMemory(data: Examples, batchSize: number, order: Int32Array | undefined, maxSteps: number, skip: number): AsyncGenerator<Batch> {
  const idx = order ? tf.tensor1d(order, 'int32') : undefined;
  try {
    for (let step = skip; step < maxSteps; step++) {
      const start = step * batchSize;
      const size = Math.min(batchSize, data.size - start);
      if (size <= 0) return;
      const batch = tf.tidy(() => {
        const rows = idx ? tf.slice(idx, start, size) : undefined;
        const take = (t: tf.Tensor) => (rows ? tf.gather(t, rows) : tf.slice(t, start, size));
        const b: ExampleBatch = { x: mapTensors(data.x, take), y: mapTensors(data.y, take) };
        if (data.sampleWeight) b.sampleWeight = take(data.sampleWeight);
        return b as unknown as tf.TensorContainer;
      }) as unknown as ExampleBatch;
      yield { ...batch, size };
    }
  } finally {
    idx?.dispose();
  }
}

async function* streamed(source: AsyncIterable<ExampleBatch>, maxSteps: number | undefined, skip: number): AsyncGenerator<Batch> {
  let step = 0;
  for await (const b of source) {
    // A stream cannot seek: the batches a resumed epoch already trained on are read and dropped.
    if (step < skip) disposeBatch(b);
    else yield { ...b, size: rowsOf(b) };
    step++;
    if (maxSteps !== undefined && step >= maxSteps) return;
  }
}

/**
 * The batches of epoch `epoch`; a shuffle draws its permutation from `rng` (in-memory data).
 * `skip` leaves out the epoch's first batches (a resumed mid-epoch checkpoint trained them); the
 * order of the rest is the uninterrupted epoch's.
 */
export function epochBatches(
  data: AnyExamples,
  batchSize: number,
  opts: { epoch: number; shuffle: boolean; seed: number; rng?: Prng; stepsPerEpoch?: number; skip?: number },
): EpochBatches {
  const steps = stepsFor(data, batchSize, opts.stepsPerEpoch);
  const skip = Math.max(0, Math.floor(opts.skip ?? 0));
  if (isStreaming(data)) {
    return { steps, batches: streamed(data.batches(batchSize, { epoch: opts.epoch, shuffle: opts.shuffle, seed: opts.seed }), opts.stepsPerEpoch, skip) };
  }
  const order = opts.shuffle && opts.rng ? permutation(data.size, opts.rng) : undefined;
  return { steps, batches: inMemory(data, batchSize, order, steps ?? 0, skip) };
}

/** Disposes every tensor of a batch. */
export function disposeBatch(b: ExampleBatch): void {
  tf.dispose([b.x, b.y, ...(b.sampleWeight ? [b.sampleWeight] : [])] as tf.TensorContainer[]);
}
