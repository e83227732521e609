/**
 * What `kerats summary` and `kerats export` read: a config file (a model-only one is enough), a
 * run folder, a TensorFlow.js model.json, or a Keras model.to_json() file.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { loadConfig, type LoadOptions } from '../config/load.js';
import { buildModel } from '../runtime/model-builder.js';
import { loadConfigPlugins } from '../runtime/plugins.js';
import { modelFromKerasJson, sniffModelJson } from '../saving/keras-json/index.js';
import { loadModel } from '../saving/model-io.js';
import { buildModelFromSources } from '../saving/transfer.js';
import { ConfigError } from '../util/errors.js';

export interface LoadedModel {
  model: tf.LayersModel;
  name: string;
  /** Where it came from: trained weights (`saved`) or fresh ones (`config`, `keras_json`). */
  kind: 'saved' | 'config' | 'keras_json';
}

/** A run folder or a model.json: the saved model, named as its run's config named it. */
async function loadSaved(target: string, isDirectory: boolean): Promise<LoadedModel> {
  const modelJson = isDirectory ? path.join(target, 'model.json') : target;
  const model = await loadModel(modelJson);
  const configJson = path.join(path.dirname(modelJson), 'config.json');
  const config = await fs.readFile(configJson, 'utf8').then((t) => JSON.parse(t) as { name?: string }, () => undefined);
  return { model, name: config?.name ?? model.name, kind: 'saved' };
}

export async function loadModelSource(target: string, opts: { config?: LoadOptions; allowPlugins?: boolean } = {}): Promise<LoadedModel> {
  const stat = await fs.stat(target).catch(() => undefined);
  if (!stat) throw new ConfigError(`cannot read "${target}": no such file or folder`);
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
  return { model, name: c.name, kind: 'config' };
}
