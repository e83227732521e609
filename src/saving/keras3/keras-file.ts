/**
 * Keras 3's native `.keras` file: a zip of config.json (the model config), metadata.json
 * (keras_version, date_saved; kerats adds its own entry) and model.weights.h5 (weights at the
 * paths of weight-paths.ts). Zip through fflate, HDF5 through h5wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../../util/atomic.js';
import { ConfigError } from '../../util/errors.js';
import { modelFromKerasDoc } from '../keras-json/index.js';
import { KERAS_VERSION, toKeras3Config, type FrontLayer } from './config.js';
import { datasetAt, float32Of, readH5, writeFloat32, writeH5, type H5Group } from './h5.js';
import { isKeratsMetadata, type KeratsFileMetadata } from './metadata.js';
import { keras3WeightSlots } from './weight-paths.js';

/** `2026-12-02@12:53:42`, as Keras writes date_saved. */
function dateSaved(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}@${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Writes `model` as a .keras file; returns what Keras will not load as it is. */
export async function writeKerasFile(model: tf.LayersModel, file: string, opts: { front?: FrontLayer[]; metadata?: KeratsFileMetadata } = {}): Promise<string[]> {
  const front = opts.front ?? [];
  const { config, warnings } = toKeras3Config(model, front);
  const slots = keras3WeightSlots(model, front.map((f) => f.class_name));
  const weights = await writeH5((f) => {
    f.create_group('vars');
    for (const s of slots) writeFloat32(f, s.path, s.variable.read().dataSync() as Float32Array, s.variable.shape as number[]);
  });
  const metadata = { keras_version: KERAS_VERSION, date_saved: dateSaved(), ...(opts.metadata ? { kerats: opts.metadata } : {}) };
  const zip = zipSync({
    'metadata.json': strToU8(JSON.stringify(metadata)),
    'config.json': strToU8(JSON.stringify(config)),
    'model.weights.h5': [weights, { level: 0 }],
  });
  await writeFileAtomic(file, zip);
  return warnings;
}

/** Sets every weight of `model` from the HDF5 group holding `layers/...`. */
export function assignKeras3Weights(model: tf.LayersModel, root: H5Group, file: string): void {
  for (const s of keras3WeightSlots(model)) {
    const d = datasetAt(root, s.path);
    if (!d) throw new ConfigError(`${file}: model.weights.h5 has no weights at "${s.path}" for layer weight ${s.variable.originalName}; was it saved by Keras 3 from this config?`);
    const shape = d.shape ?? [];
    const want = s.variable.shape as number[];
    if (shape.join(',') !== want.join(',')) {
      throw new ConfigError(`${file}: weights at "${s.path}" have shape [${shape.join(', ')}], the layer needs [${want.join(', ')}]`);
    }
    s.variable.write(tf.tensor(float32Of(d), want, 'float32'));
  }
}

export interface LoadedKerasFile {
  model: tf.LayersModel;
  metadata?: KeratsFileMetadata;
}

/** Reads a .keras file into a tfjs model with its weights. */
export async function readKerasFile(file: string): Promise<LoadedKerasFile> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(await fs.readFile(file)));
  } catch (e) {
    throw new ConfigError(`cannot read "${file}" as a .keras file (a zip from Keras 3's model.save): ${(e as Error).message}`);
  }
  const part = (name: string): Uint8Array => {
    const bytes = entries[name];
    if (!bytes) throw new ConfigError(`"${file}" has no ${name}: is it a Keras 3 .keras file (model.save("model.keras"))?`);
    return bytes;
  };
  let config: unknown;
  let meta: Record<string, unknown> = {};
  try {
    config = JSON.parse(strFromU8(part('config.json')));
    if (entries['metadata.json']) meta = JSON.parse(strFromU8(entries['metadata.json'])) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`"${file}": config.json or metadata.json is not valid JSON: ${(e as Error).message}`);
  }
  const model = await modelFromKerasDoc(config, file);
  try {
    await readH5(part('model.weights.h5'), `${file} (model.weights.h5)`, (f) => assignKeras3Weights(model, f, file));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, ...(isKeratsMetadata(meta.kerats) ? { metadata: meta.kerats } : {}) };
}
