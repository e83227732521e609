/**
 * What `kerats summary` and `kerats export` read: a config file (a model-only one is enough), a
 * run folder, a TensorFlow.js model.json, a Keras .keras / .h5 file, or a Keras model.to_json() file.
 * Saved models go through src/saving/model-file.ts (the one reader of saved formats); a config or a
 * Keras architecture builds a model with fresh weights.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { loadConfig, type LoadOptions } from '../config/load.js';
import type { KeratsConfig } from '../config/types.js';
import type { DataState } from '../runtime/data/table-source.js';
import { buildModel } from '../runtime/model-builder.js';
import { loadConfigPlugins } from '../runtime/plugins.js';
import { modelFromKerasJson, sniffModelJson } from '../saving/keras-json/index.js';
import { kerasFileKind, loadModelSource as loadSavedModel } from '../saving/model-file.js';
import { buildModelFromSources } from '../saving/transfer.js';
import { ConfigError } from '../util/errors.js';

export interface LoadedModel {
  model: tf.LayersModel;
  name: string;
  /** Where it came from: trained weights (`saved`) or fresh ones (`config`, `keras_json`). */
  kind: 'saved' | 'config' | 'keras_json';
  /** The preprocessing for raw input, for saved models that carry it. */
  state?: DataState;
  /** The config the model was built from (`kind: 'config'`): how it trains. */
  config?: KeratsConfig;
}

/** A run folder, model.json, .keras or .h5: the saved model, named as its run's config named it. */
async function loadSaved(target: string, isDirectory: boolean): Promise<LoadedModel> {
  const loaded = await loadSavedModel(target);
  const configJson = path.join(isDirectory ? target : path.dirname(target), 'config.json');
  const config = kerasFileKind(target)
    ? undefined
    : await fs.readFile(configJson, 'utf8').then((t) => JSON.parse(t) as { name?: string }, () => undefined);
  return { model: loaded.model, name: config?.name ?? loaded.model.name, kind: 'saved', ...(loaded.state ? { state: loaded.state } : {}) };
}

export async function loadModelSource(target: string, opts: { config?: LoadOptions; allowPlugins?: boolean } = {}): Promise<LoadedModel> {
  const stat = await fs.stat(target).catch(() => undefined);
  if (!stat) throw new ConfigError(`cannot read "${target}": no such file or folder`);
  if (kerasFileKind(target)) return loadSaved(target, false);
  // A .json file may be a Keras model.to_json() architecture, a TensorFlow.js model.json or a config.
  const jsonKind = stat.isFile() && target.endsWith('.json') ? await sniffModelJson(target) : undefined;
  if (jsonKind === 'keras') {
    const m = await modelFromKerasJson(target);
    return { model: m, name: m.name, kind: 'keras_json' };
  }
  if (stat.isDirectory() || jsonKind === 'tfjs' || (jsonKind === undefined && path.basename(target) === 'model.json')) {
    return loadSaved(target, stat.isDirectory());
  }
  await loadConfigPlugins(target, { allow: opts.allowPlugins });
  const c = await loadConfig(target, opts.config ?? {});
  const model = (await buildModelFromSources(c.model, { seed: c.seed })) ?? buildModel(c.model, { seed: c.seed });
  return { model, name: c.name, kind: 'config', config: c };
}
