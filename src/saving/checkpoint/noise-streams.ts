/**
 * The random state of a model's dropout and noise layers: each seeded layer draws a fresh seed per
 * call from its own stream (src/registry/layers/seed.ts), so a checkpoint records every stream's
 * position and a resumed run continues each one where the interrupted run was, drawing the masks
 * an uninterrupted run would have drawn.
 */
import type * as tf from '@tensorflow/tfjs';
import { SeedStream } from '../../registry/layers/seed.js';
import { eachLayer } from '../../runtime/graph/each-layer.js';

/** The model's seed streams in a fixed order: layer order, nested models and wrapped layers included. */
function streamsOf(model: tf.LayersModel): SeedStream[] {
  const out: SeedStream[] = [];
  eachLayer(model, (layer) => {
    const stream = (layer as unknown as { stream?: unknown }).stream;
    if (stream instanceof SeedStream) out.push(stream);
  });
  return out;
}

export function noiseStreamPositions(model: tf.LayersModel): number[] {
  return streamsOf(model).map((s) => s.position);
}

/** Puts the streams back; a checkpoint from before this was recorded (no positions) changes nothing. */
export function restoreNoiseStreams(model: tf.LayersModel, positions: readonly number[] | undefined): void {
  if (!positions) return;
  streamsOf(model).forEach((s, i) => {
    const p = positions[i];
    if (typeof p === 'number') s.position = p;
  });
}
