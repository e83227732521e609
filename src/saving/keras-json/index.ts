/**
 * `kerats summary model.json` / `model: {keras_json: path}`: a Keras `model.to_json()` file as a
 * tfjs LayersModel (fresh weights, Keras's architecture and parameter counts).
 */
import * as tf from '@tensorflow/tfjs';
import '../../registry/layers/custom/index.js';
import { inputLimits } from '../../config/limits.js';
import { checkNesting } from '../../config/nesting.js';
import { readBoundedText } from '../../util/bounded-read.js';
import { ConfigError } from '../../util/errors.js';
import { jsonModelKind, translateKerasJson, type PyDict } from './translate.js';

export { jsonModelKind, translateKerasJson } from './translate.js';

/**
 * Reads and parses a Keras JSON file, or throws a ConfigError naming it. Bounded like a config (a
 * regular file, KERATS_MAX_CONFIG_BYTES, KERATS_MAX_NESTING): the translation walks the document.
 */
export async function readJsonFile(file: string): Promise<unknown> {
  const limits = inputLimits();
  const text = readBoundedText(file, { what: 'Keras JSON', shown: file, maxBytes: limits.bytes });
  checkNesting(text, file, limits.depth);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ConfigError(`"${file}" is not valid JSON: ${(e as Error).message}`);
  }
}

/** The kind of model a .json file holds, without building it. */
export async function sniffModelJson(file: string): Promise<'keras' | 'tfjs' | undefined> {
  try {
    return jsonModelKind(await readJsonFile(file));
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
