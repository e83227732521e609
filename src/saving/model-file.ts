/**
 * Any saved model kerats reads, by what the path is: a run folder, a TensorFlow.js model.json, a
 * Keras 3 `.keras` file or a legacy Keras `.h5` file. Keras files exported by kerats carry the
 * preprocessing still to apply to raw input (metadata); files from Keras take the model's inputs
 * as they are.
 */
import type * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DataState } from '../runtime/data/table-source.js';
import { ConfigError } from '../util/errors.js';
import { readKerasFile } from './keras3/keras-file.js';
import { readLegacyH5 } from './keras3/legacy-h5.js';
import { loadModel } from './model-io.js';

export type ModelSourceKind = 'run' | 'tfjs' | 'keras' | 'h5';

export interface LoadedModelSource {
  model: tf.LayersModel;
  kind: ModelSourceKind;
  /** The preprocessing for raw input: the run's preprocessing.json or the file's kerats metadata. */
  state?: DataState;
}

/** `.keras`, `.h5` / `.hdf5`: a Keras model file. */
export function kerasFileKind(file: string): 'keras' | 'h5' | undefined {
  const ext = path.extname(file).toLowerCase();
  return ext === '.keras' ? 'keras' : ext === '.h5' || ext === '.hdf5' ? 'h5' : undefined;
}

/** Loads a .keras or .h5 file. */
export async function loadKerasModelFile(file: string): Promise<LoadedModelSource> {
  const kind = kerasFileKind(file);
  if (!kind) throw new ConfigError(`"${file}" is not a Keras model file (.keras or .h5)`);
  if (!(await fs.stat(file).catch(() => undefined))) throw new ConfigError(`cannot read "${file}": no such file`);
  const loaded = kind === 'keras' ? await readKerasFile(file) : await readLegacyH5(file);
  return { model: loaded.model, kind, ...(loaded.metadata ? { state: loaded.metadata.preprocessing } : {}) };
}

/** Loads a run folder, a model.json, a .keras or an .h5 file. */
export async function loadModelSource(target: string): Promise<LoadedModelSource> {
  if (kerasFileKind(target)) return loadKerasModelFile(target);
  const stat = await fs.stat(target).catch(() => undefined);
  if (!stat) throw new ConfigError(`cannot read "${target}": no such run folder or model file`);
  const modelJson = stat.isDirectory() ? path.join(target, 'model.json') : target;
  if (!(await fs.stat(modelJson).catch(() => undefined))) {
    throw new ConfigError(`"${target}" has no model.json: is it a run folder of a finished \`kerats train\`?`);
  }
  const model = await loadModel(modelJson);
  const stateText = await fs.readFile(path.join(path.dirname(modelJson), 'preprocessing.json'), 'utf8').catch(() => undefined);
  return { model, kind: stat.isDirectory() ? 'run' : 'tfjs', ...(stateText ? { state: JSON.parse(stateText) as DataState } : {}) };
}
