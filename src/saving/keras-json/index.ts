/**
 * `kerats summary model.json` / `model: {keras_json: path}`: a Keras `model.to_json()` file as a
 * tfjs LayersModel (fresh weights, Keras's architecture and parameter counts).
 */
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import '../../registry/layers/custom/index.js';
import { ConfigError } from '../../util/errors.js';
import { jsonModelKind, translateKerasJson, type PyDict } from './translate.js';

export { jsonModelKind, translateKerasJson } from './translate.js';

/** Reads and parses a JSON file, or throws a ConfigError naming it. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read "${file}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ConfigError(`"${file}" is not valid JSON: ${(e as Error).message}`);
  }
}

/** The kind of model a .json file holds, without building it. */
export async function sniffModelJson(file: string): Promise<'keras' | 'tfjs' | undefined> {
  try {
    return jsonModelKind(JSON.parse(await readFile(file, 'utf8')) as unknown);
  } catch {
    return undefined;
  }
}

/** Builds the model a parsed Keras JSON document describes. */
export async function modelFromKerasDoc(doc: unknown, file = 'model'): Promise<tf.LayersModel> {
  if (jsonModelKind(doc) !== 'keras') {
    throw new ConfigError(`"${file}" is not a Keras model.to_json() document (expected "class_name" and "config" at the top)`);
  }
  const topology = translateKerasJson(doc as PyDict);
  try {
    return await tf.models.modelFromJSON({ modelTopology: topology } as unknown as tf.io.ModelJSON);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const msg = (e as Error).message.replace(/\s+/g, ' ');
    const unknown = /Unknown layer: (\w+)/.exec(msg);
    if (unknown) {
      throw new ConfigError(`"${file}": Keras layer "${unknown[1]}" has no TensorFlow.js or kerats equivalent; replace it or load a plugin that registers it`);
    }
    throw new ConfigError(`"${file}": cannot build the Keras model: ${msg}`);
  }
}

/** `modelFromKerasJson(path)`: a Keras `to_json()` file → an uncompiled tf.LayersModel. */
export async function modelFromKerasJson(file: string): Promise<tf.LayersModel> {
  return modelFromKerasDoc(await readJsonFile(file), file);
}
