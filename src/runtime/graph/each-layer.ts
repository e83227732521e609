/**
 * Every layer of a model once, in layer order, depth first: the model itself, the layers of nested
 * models, and the layer a wrapper (TimeDistributed, Bidirectional) holds. A layer shared by several
 * places is visited at its first place only, so the order is the same in every process.
 */
import type * as tf from '@tensorflow/tfjs';

export function eachLayer(model: tf.LayersModel, visit: (layer: tf.layers.Layer) => void): void {
  const seen = new Set<tf.layers.Layer>();
  const walk = (layer: tf.layers.Layer): void => {
    if (seen.has(layer)) return;
    seen.add(layer);
    visit(layer);
    const inner = layer as unknown as { layers?: tf.layers.Layer[]; layer?: tf.layers.Layer };
    for (const l of inner.layers ?? []) walk(l);
    if (inner.layer) walk(inner.layer);
  };
  walk(model);
}
