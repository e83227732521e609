/**
 * Weight names across nested models. tfjs names each weight after its layer (`dense/kernel`) and
 * matches weights by that name when it loads a model, refusing any duplicate. Keras lets a nested
 * model reuse the names of the outer model's layers (names are unique per model), so a model that
 * nests `models:` entries can hold two `dense/kernel` weights: tfjs saves it but cannot load it.
 *
 * kerats saves such a model with the nested weights qualified by their model (`encoder/dense/kernel`)
 * and loads it by position (the weight order is a function of the topology), checking every shape.
 */
import * as tf from '@tensorflow/tfjs';
import { dedupeSharedWeights, relinkWrappedModels } from './tfjs-fixes.js';

/** Whether a layer is a model (a `models:` entry used as a layer). */
function isModel(layer: tf.layers.Layer): layer is tf.LayersModel {
  return Array.isArray((layer as unknown as { layers?: unknown }).layers);
}

/** The layer a wrapper (TimeDistributed, Bidirectional) holds, if any. */
function wrapped(layer: tf.layers.Layer): tf.layers.Layer | undefined {
  const inner = (layer as unknown as { layer?: unknown }).layer;
  return inner instanceof tf.layers.Layer ? inner : undefined;
}

/** Each weight variable → its name qualified by the nested models it lives in. */
function qualifiedNames(model: tf.LayersModel): Map<tf.LayerVariable, string> {
  const out = new Map<tf.LayerVariable, string>();
  const walk = (layers: tf.layers.Layer[], prefix: string): void => {
    for (const layer of layers) {
      const inner = isModel(layer) ? layer : wrapped(layer);
      if (inner && isModel(inner)) walk(inner.layers, `${prefix}${inner.name}/`);
      for (const w of layer.weights) if (!out.has(w)) out.set(w, `${prefix}${w.originalName}`);
    }
  };
  walk(model.layers, '');
  return out;
}

/**
 * Renames, in place, the weight specs `model.save` wrote whose names repeat: each takes its
 * qualified name. Specs are in `model.weights` order (tfjs's getNamedWeights).
 */
export function uniqueWeightSpecNames(model: tf.LayersModel, specs: tf.io.WeightsManifestEntry[]): void {
  const count = new Map<string, number>();
  for (const s of specs) count.set(s.name, (count.get(s.name) ?? 0) + 1);
  if ([...count.values()].every((n) => n === 1)) return;
  const qualified = qualifiedNames(model);
  const weights = model.weights;
  specs.forEach((s, i) => {
    const w = weights[i];
    if ((count.get(s.name) ?? 0) > 1 && w) s.name = qualified.get(w) ?? s.name;
  });
}

/** Whether tfjs refused a model because two weights share a name. */
export function isDuplicateWeightError(e: unknown): boolean {
  return e instanceof Error && /Duplicate weight name/.test(e.message);
}

/**
 * Loads a model whose weight names repeat across nested models: the topology through tfjs, the
 * weights by position. Throws when the file's weights do not fit the topology.
 */
export async function loadByPosition(artifacts: tf.io.ModelArtifacts): Promise<tf.LayersModel> {
  const model = await tf.loadLayersModel({ load: async () => ({ modelTopology: artifacts.modelTopology }) });
  relinkWrappedModels(model);
  dedupeSharedWeights(model);
  const specs = (artifacts.weightSpecs ?? []).map((s, i) => ({ ...s, name: `${i}/${s.name}` }));
  const weights = model.weights;
  if (specs.length !== weights.length) {
    model.dispose();
    throw new Error(`the model has ${weights.length} weights but its weights file holds ${specs.length}`);
  }
  const values = artifacts.weightData ? tf.io.decodeWeights(artifacts.weightData, specs) : {};
  try {
    weights.forEach((w, i) => {
      const spec = specs[i] as tf.io.WeightsManifestEntry;
      const v = values[spec.name];
      if (!v || v.shape.join(',') !== w.shape.join(',')) {
        throw new Error(`weight ${i} (${w.originalName}) has shape [${w.shape.join(', ')}] but the file holds [${v?.shape.join(', ') ?? 'nothing'}] for it`);
      }
      w.write(v);
    });
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    tf.dispose(Object.values(values));
  }
  return model;
}
