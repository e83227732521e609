/**
 * The legacy Keras HDF5 file (`model.save("model.h5")`), which Keras 3's `load_model` and tf.keras
 * read: root attributes `model_config` (the model config as JSON), `keras_version`, `backend`;
 * group `model_weights` with `layer_names`, and per layer a group with `weight_names` and the
 * datasets `model_weights/<layer>/<weight name>`. Keras matches layers by position and weights by
 * order (trainable first), which weight-paths.ts reproduces.
 */
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../../util/atomic.js';
import { ConfigError } from '../../util/errors.js';
import { modelFromKerasDoc } from '../keras-json/index.js';
import type { PyDict, PyJson } from '../keras-json/translate.js';
import { KERAS_VERSION, toKeras3Config, type FrontLayer } from './config.js';
import { datasetAt, ensureGroup, float32Of, readH5, stringsAttr, writeFloat32, writeH5, type H5Group } from './h5.js';
import type { LoadedKerasFile } from './keras-file.js';
import { isKeratsMetadata, type KeratsFileMetadata } from './metadata.js';
import { legacyOrder, legacyWeightGroups } from './weight-paths.js';

const isDict = (v: PyJson | undefined): v is PyDict => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Writes `model` as a legacy .h5 file; returns what Keras will not load as it is. */
export async function writeLegacyH5(model: tf.LayersModel, file: string, opts: { front?: FrontLayer[]; metadata?: KeratsFileMetadata } = {}): Promise<string[]> {
  const { config, warnings } = toKeras3Config(model, opts.front ?? []);
  const groups = legacyWeightGroups(model);
  // Front layers (preprocessing) have no weights but are layers of the Keras model.
  const cfg = isDict(config.config) ? config.config : {};
  const keras = (Array.isArray(cfg.layers) ? cfg.layers : []).filter(isDict);
  const frontNames = keras.filter((l) => l.class_name === 'Normalization' || l.class_name === 'Rescaling').map((l) => String(isDict(l.config) ? l.config.name : ''))
    .filter((n) => !groups.some((g) => g.layer === n));
  const bytes = await writeH5((f) => {
    f.create_attribute('model_config', JSON.stringify(config));
    f.create_attribute('keras_version', KERAS_VERSION);
    f.create_attribute('backend', 'tensorflow');
    if (opts.metadata) f.create_attribute('kerats_metadata', JSON.stringify(opts.metadata));
    const mw = f.create_group('model_weights');
    mw.create_attribute('keras_version', KERAS_VERSION);
    mw.create_attribute('backend', 'tensorflow');
    const names = [...frontNames, ...groups.map((g) => g.layer)];
    mw.create_attribute('layer_names', names, [names.length], null);
    const empty = (g: H5Group): void => g.create_attribute('weight_names', [], [0], 'S1');
    for (const n of frontNames) empty(ensureGroup(mw, n));
    for (const g of groups) {
      const grp = ensureGroup(mw, g.layer);
      if (g.names.length === 0) empty(grp);
      else grp.create_attribute('weight_names', g.names, [g.names.length], null);
      g.variables.forEach((v, i) => writeFloat32(grp, g.names[i] as string, v.read().dataSync() as Float32Array, v.shape as number[]));
    }
    empty(ensureGroup(mw, 'top_level_model_weights'));
  });
  await writeFileAtomic(file, bytes);
  return warnings;
}

/** Reads a legacy Keras .h5 (full model) into a tfjs model with its weights. */
export async function readLegacyH5(file: string): Promise<LoadedKerasFile> {
  const { config, meta, weights } = await readH5(file, file, (f) => {
    const configText = stringsAttr(f, 'model_config')?.[0];
    if (configText === undefined) {
      throw new ConfigError(`"${file}" has no model_config attribute: it holds weights only (model.save_weights); save the whole model with model.save("model.h5") or model.save("model.keras")`);
    }
    const metaText = stringsAttr(f, 'kerats_metadata')?.[0];
    const mw = f.get('model_weights');
    const byLayer = new Map<string, { shape: number[]; data: Float32Array; name: string }[]>();
    if (mw && 'keys' in mw) {
      const group = mw as H5Group;
      for (const layer of stringsAttr(group, 'layer_names') ?? []) {
        const g = group.get(layer) as H5Group | null;
        if (!g) continue;
        const names = stringsAttr(g, 'weight_names') ?? [];
        byLayer.set(layer, names.map((n) => {
          const d = datasetAt(g, n);
          if (!d) throw new ConfigError(`"${file}": layer "${layer}" lists weight "${n}" but has no such dataset`);
          return { shape: d.shape ?? [], data: float32Of(d), name: n };
        }));
      }
    }
    return { config: JSON.parse(configText) as unknown, meta: metaText ? (JSON.parse(metaText) as unknown) : undefined, weights: byLayer };
  });
  const model = await modelFromKerasDoc(config, file);
  try {
    for (const layer of model.layers) {
      const vars = legacyOrder(layer);
      if (vars.length === 0) continue;
      const saved = weights.get(layer.name);
      if (!saved) throw new ConfigError(`"${file}" has no weights for layer "${layer.name}"`);
      if (saved.length !== vars.length) throw new ConfigError(`"${file}": layer "${layer.name}" has ${saved.length} saved weights, the layer has ${vars.length}`);
      vars.forEach((v, i) => {
        const w = saved[i] as { shape: number[]; data: Float32Array; name: string };
        if (w.shape.join(',') !== v.shape.join(',')) {
          throw new ConfigError(`"${file}": weight "${w.name}" has shape [${w.shape.join(', ')}], layer "${layer.name}" needs [${v.shape.join(', ')}]`);
        }
        v.write(tf.tensor(w.data, v.shape as number[], 'float32'));
      });
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, ...(isKeratsMetadata(meta) ? { metadata: meta } : {}) };
}
