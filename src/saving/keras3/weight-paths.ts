/**
 * Where each tfjs weight lives in Keras's files.
 * - `.keras` (model.weights.h5): Keras 3 addresses a layer by its class, not its name:
 *   `layers/<snake_case(class)>[_<n>]/vars/<i>` in `model.layers` order (n counts earlier layers of
 *   the same class); RNNs keep their weights in `cell/vars`, Bidirectional in
 *   `forward_layer/…` and `backward_layer/…`, MultiHeadAttention in `query_dense`, `key_dense`,
 *   `value_dense`, `output_dense`, wrappers in `layer/…`, nested models in `layers/…`.
 * - legacy `.h5`: `model_weights/<layer name>/<weight name>` listed by the group's `weight_names`
 *   attribute, trainable weights first (Keras's `_legacy_weights`); Keras loads them by position.
 * Learned-preprocessing layers put in front hold their statistics in the config, so no weights.
 */
import type * as tf from '@tensorflow/tfjs';
import { snakeCase } from './config.js';

type Variable = tf.LayerVariable;
type Layer = tf.layers.Layer;

export interface WeightSlot {
  /** Path of the dataset in model.weights.h5 (`layers/dense/vars/0`). */
  path: string;
  variable: Variable;
}

const RNN_CLASSES = new Set(['LSTM', 'GRU', 'SimpleRNN']);
const MHA_PARTS = ['query_dense', 'key_dense', 'value_dense', 'output_dense'];

/** Keras's class name for a tfjs layer. */
export function kerasClassName(layer: Layer): string {
  const cls = layer.getClassName();
  return cls === 'Model' ? 'Functional' : cls;
}

/** The inner layer of a tfjs wrapper (Bidirectional, TimeDistributed). */
function wrapped(layer: Layer): { forward?: Layer; backward?: Layer; layer?: Layer } {
  const l = layer as unknown as { forwardLayer?: Layer; backwardLayer?: Layer; layer?: Layer };
  return { forward: l.forwardLayer, backward: l.backwardLayer, layer: l.layer };
}

function isModel(layer: Layer): layer is tf.LayersModel {
  const cls = layer.getClassName();
  return cls === 'Sequential' || cls === 'Model' || cls === 'Functional';
}

/** Slots of one layer's own weights, under `prefix` (the layer's path). */
function layerSlots(layer: Layer, prefix: string, out: WeightSlot[]): void {
  const cls = kerasClassName(layer);
  const weights = layer.weights;
  if (isModel(layer)) {
    containerSlots(layer.layers, `${prefix}/layers`, out);
    return;
  }
  if (RNN_CLASSES.has(cls)) {
    weights.forEach((w, i) => out.push({ path: `${prefix}/cell/vars/${i}`, variable: w }));
    return;
  }
  if (cls === 'Bidirectional') {
    const { forward, backward } = wrapped(layer);
    if (forward && backward) {
      layerSlots(forward, `${prefix}/forward_layer`, out);
      layerSlots(backward, `${prefix}/backward_layer`, out);
      return;
    }
  }
  if (cls === 'TimeDistributed') {
    const inner = wrapped(layer).layer;
    if (inner) {
      layerSlots(inner, `${prefix}/layer`, out);
      return;
    }
  }
  if (cls === 'MultiHeadAttention') {
    // kerats' layer creates kernel (and bias) per projection, in Keras's order.
    const perPart = weights.length / MHA_PARTS.length;
    weights.forEach((w, i) => out.push({ path: `${prefix}/${MHA_PARTS[Math.floor(i / perPart)]}/vars/${i % perPart}`, variable: w }));
    return;
  }
  weights.forEach((w, i) => out.push({ path: `${prefix}/vars/${i}`, variable: w }));
}

/** Layers of a model in `model.layers` order, each named by class with a per-class counter. */
function containerSlots(layers: Layer[], prefix: string, out: WeightSlot[], frontClasses: string[] = []): void {
  const used = new Map<string, number>();
  const unique = (name: string): string => {
    const n = used.get(name);
    used.set(name, n === undefined ? 0 : n + 1);
    return n === undefined ? name : `${name}_${n + 1}`;
  };
  // Preprocessing layers Keras has in front (no weights) still take their class name.
  for (const cls of frontClasses) unique(snakeCase(cls));
  for (const layer of layers) layerSlots(layer, `${prefix}/${unique(snakeCase(kerasClassName(layer)))}`, out);
}

/** Every weight of `model` with its model.weights.h5 path; `frontClasses`: layers Keras has in front. */
export function keras3WeightSlots(model: tf.LayersModel, frontClasses: string[] = []): WeightSlot[] {
  const out: WeightSlot[] = [];
  containerSlots(model.layers, 'layers', out, frontClasses);
  return out;
}

export interface LegacyLayerWeights {
  layer: string;
  /** Weight names (`dense/kernel`), in the order Keras loads them. */
  names: string[];
  variables: Variable[];
}

/** Keras's `_legacy_weights`: trainable weights first, then the rest. */
export function legacyOrder(layer: Layer): Variable[] {
  return [...layer.trainableWeights, ...layer.nonTrainableWeights];
}

/** Per top-level layer: its weights in legacy order, named `<layer>/<path inside the layer>`. */
export function legacyWeightGroups(model: tf.LayersModel): LegacyLayerWeights[] {
  return model.layers.map((layer) => {
    const variables = legacyOrder(layer);
    const seen = new Set<string>();
    const names = variables.map((v, i) => {
      // tfjs names a weight `<layer>_<Class>N/<inner>/kernel`: keep the part after the layer.
      const inner = v.originalName.split('/').slice(1).join('/') || `weight_${i}`;
      let name = `${layer.name}/${inner}`;
      if (seen.has(name)) name = `${layer.name}/${i}_${inner}`;
      seen.add(name);
      return name;
    });
    return { layer: layer.name, names, variables };
  });
}
