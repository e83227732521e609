/**
 * The random state of a model's dropout and noise layers: each seeded layer draws a fresh seed per
 * call from its own stream (src/registry/layers/seed.ts), so a checkpoint records every stream's
 * position and a resumed run continues each one where the interrupted run was, drawing the masks
 * an uninterrupted run would have drawn.
 */
import type * as tf from '@tensorflow/tfjs';
import { SeedStream } from '../../registry/layers/seed.js';

/** The model's seed streams in a fixed order: layer order, nested models and wrapped layers included. */
function streamsOf(model: tf.LayersModel): SeedStream[] {
  const out: SeedStream[] = [];
  const seen = new Set<object>();
  const walk = (layer: object): void => {
    if (seen.has(layer)) return;
    seen.add(layer);
    const l = layer as { stream?: unknown; layers?: unknown; layer?: unknown };
    if (l.stream instanceof SeedStream) out.push(l.stream);
    if (Array.isArray(l.layers)) for (const inner of l.layers as object[]) walk(inner);
    if (typeof l.layer === 'object' && l.layer !== null) walk(l.layer);
  };
  walk(model);
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
