/**
 * Repairs for tfjs-layers quirks that nested models expose. A Sequential's first `add` records its
 * node's output shapes unwrapped (`[null, 3]` instead of `[[null, 3]]`; tfjs models.js wraps them
 * only from the second layer on), so a one-layer Sequential called inside another model has two
 * nodes whose shapes "differ" and its `outputShape` throws (summary, plot-model, export read it).
 */
import type * as tf from '@tensorflow/tfjs';
import { eachLayer } from './each-layer.js';

interface NodeShapes { outputShapes: unknown }

/** Wraps the unwrapped output shapes of every (nested) Sequential's nodes, in place. */
export function fixNestedSequentialShapes(model: tf.LayersModel): void {
  eachLayer(model, (layer) => {
    for (const node of (layer as unknown as { inboundNodes?: NodeShapes[] }).inboundNodes ?? []) {
      const s = node.outputShapes;
      if (Array.isArray(s) && s.length > 0 && !Array.isArray(s[0])) node.outputShapes = [s];
    }
  });
}

/**
 * A model shared by a wrapper and a direct call (`TimeDistributed: {model: m}` and `Call: m` in one
 * graph) is a layer of the outer model twice over: tfjs concatenates each layer's weights, so it
 * would count, save and train them twice. Keras counts each weight once; so does this model now.
 */
export function dedupeSharedWeights(model: tf.LayersModel): void {
  const proto = Object.getPrototypeOf(model) as object;
  const getter = (name: string): (() => tf.LayerVariable[]) | undefined => {
    for (let p: object | null = proto; p; p = Object.getPrototypeOf(p) as object | null) {
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (d?.get) return d.get as () => tf.LayerVariable[];
    }
    return undefined;
  };
  const trainable = getter('trainableWeights');
  const nonTrainable = getter('nonTrainableWeights');
  if (!trainable || !nonTrainable) return;
  const unique = (ws: tf.LayerVariable[]): tf.LayerVariable[] => [...new Set(ws)];
  Object.defineProperty(model, 'trainableWeights', { configurable: true, get: () => unique(trainable.call(model)) });
  // A weight trainable in one place is not also listed as non-trainable.
  Object.defineProperty(model, 'nonTrainableWeights', {
    configurable: true,
    get: () => {
      const t = new Set(trainable.call(model));
      return unique(nonTrainable.call(model)).filter((w) => !t.has(w));
    },
  });
}

/**
 * tfjs rebuilds a wrapper's layer from its own copy of the config when it loads a model, so a
 * `models:` entry both wrapped (TimeDistributed) and called directly comes back as two models.
 * Points each wrapper back at the model of the same name in the same graph, as it was built
 * (before the weights are loaded, so the one set of weights is loaded once).
 * Also, a wrapper disposes its layer's weights when disposed; the shared model is disposed by the
 * graph too, so the wrapper leaves that to it (tfjs would dispose the weights twice and throw).
 */
export function relinkWrappedModels(model: tf.LayersModel): void {
  const isModel = (l: unknown): l is tf.LayersModel => typeof l === 'object' && l !== null && Array.isArray((l as { layers?: unknown }).layers);
  const walk = (container: tf.LayersModel): void => {
    const models = new Map<string, tf.LayersModel>();
    for (const l of container.layers) if (isModel(l)) models.set(l.name, l);
    for (const l of container.layers) {
      const w = l as unknown as { layer?: unknown };
      const own = isModel(w.layer) ? models.get(w.layer.name) : undefined;
      if (own && own !== w.layer && own.getClassName() === (w.layer as tf.LayersModel).getClassName()) {
        (w.layer as tf.LayersModel).dispose();
        w.layer = own;
      }
      if (own && w.layer === own) (l as unknown as { disposeWeights: () => number }).disposeWeights = () => 0;
    }
    for (const m of models.values()) walk(m);
  };
  walk(model);
}
