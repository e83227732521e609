/**
 * Transfer learning (`model.base`, or flat `model: {from, trainable, pop, layers}`): start from a
 * saved model (a kerats run folder, any model.json, a Keras .keras or .h5 file), drop its top `pop` layers, freeze all or named layers, and stack new
 * layers on top:
 *   model:
 *     base: {from: runs/feat/20261122-101500-000, trainable: false, pop: 1}
 *     layers: [{Dense: {units: 3, activation: softmax}}]
 * `trainable: false` freezes every base layer; a list names the layers to freeze; true (default)
 * fine-tunes everything. The GRAPH engineer's model builder calls `buildFromBase` with the new
 * layers it built from `model.layers`.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LayerSpec, ModelSpec, SourceLocation } from '../config/types.js';
import { splitCommonArgs } from '../registry/layers/common.js';
import { layers as layerRegistry } from '../registry/layers/index.js';
import { ConfigError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { kerasFileKind, loadModelSource } from './model-file.js';
import { kerasLayerName, layerSeed } from '../runtime/model-builder.js';

export interface BaseModelSpec {
  /** Run folder or model.json, resolved against the config's folder. */
  from: string;
  /** false: freeze all; a list: freeze these layers; true/absent: train all. */
  trainable?: boolean | string[];
  /** How many top layers to remove (Keras's `model.layers.pop()` / `model.layers[-n-1].output`). */
  pop?: number;
  loc?: SourceLocation;
}

/** The model.json a `from` path means. */
export async function resolveBasePath(from: string, configDir: string, loc?: SourceLocation): Promise<string> {
  const abs = path.resolve(configDir, from);
  const stat = await fs.stat(abs).catch(() => undefined);
  if (!stat) throw new ConfigError({ message: `model.base.from "${from}": no such run folder, model.json, .keras or .h5 file`, loc });
  if (stat.isFile() && kerasFileKind(abs)) return abs;
  const file = stat.isDirectory() ? path.join(abs, 'model.json') : abs;
  if (!(await fs.stat(file).catch(() => undefined))) {
    throw new ConfigError({ message: `model.base.from "${from}" is a folder without model.json; give a run folder of a finished \`kerats train\` or a model.json`, loc });
  }
  return file;
}

/** Loads the base model, pops and freezes layers, and adds `top` on its output. */
export async function buildFromBase(spec: BaseModelSpec, top: tf.layers.Layer[], opts: { configDir: string; name?: string }): Promise<tf.LayersModel> {
  const file = await resolveBasePath(spec.from, opts.configDir, spec.loc);
  const { model: base } = await loadModelSource(file);
  return stackOnBase(base, spec, top, opts.name);
}

/** The same on an already loaded base model (used by tests and by callers that load it themselves). */
export function stackOnBase(base: tf.LayersModel, spec: BaseModelSpec, top: tf.layers.Layer[], name?: string): tf.LayersModel {
  const layers = base.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const pop = spec.pop ?? 0;
  if (pop < 0 || pop >= layers.length) {
    throw new ConfigError({ message: `model.base.pop is ${pop} but the base model has ${layers.length} layers; pop at most ${layers.length - 1}`, loc: spec.loc });
  }
  const kept = layers.slice(0, layers.length - pop);
  const last = kept[kept.length - 1] as tf.layers.Layer;

  const t = spec.trainable ?? true;
  if (t === false) for (const l of kept) l.trainable = false;
  if (Array.isArray(t)) {
    const names = kept.map((l) => l.name);
    for (const n of t) {
      const l = kept.find((k) => k.name === n);
      if (!l) throw new ConfigError({ message: `model.base.trainable names layer "${n}", which the base model does not have (after pop)${didYouMean(n, names)}; its layers: ${names.join(', ')}`, loc: spec.loc });
      l.trainable = false;
    }
  }

  let x = last.output as tf.SymbolicTensor | tf.SymbolicTensor[];
  for (const layer of top) x = layer.apply(x) as tf.SymbolicTensor | tf.SymbolicTensor[];
  try {
    return tf.model({ inputs: base.inputs, outputs: x, name: name ?? base.name });
  } catch (e) {
    const msg = (e as Error).message.replace(/\s+/g, ' ');
    const dup = /name "([^"]+)" is used \d+ times/.exec(msg);
    if (dup) throw new ConfigError({ message: `layer name "${dup[1]}" is used by the base model and by a new layer; give the new layer another name`, loc: spec.loc });
    throw new ConfigError({ message: `cannot stack the new layers on the base model: ${msg}`, loc: spec.loc });
  }
}

/**
 * The tfjs layers for `spec.layers`, to stack on a base model: Keras default names that avoid the
 * base model's names (`dense` → `dense_1` when the base has a `dense`), seeds per layer index.
 */
export function buildTopLayers(specs: LayerSpec[], opts: { seed?: number; taken: Iterable<string> }): tf.layers.Layer[] {
  const taken = new Set(opts.taken);
  return specs.map((s) => {
    const entry = layerRegistry.find(s.type);
    if (!entry) throw new ConfigError({ message: layerRegistry.unknownMessage(s.type), loc: s.loc });
    const { own, common } = splitCommonArgs(s.args, Object.keys(entry.args));
    delete common.inputShape;
    delete common.batchInputShape;
    if (common.name === undefined) {
      const base = kerasLayerName(entry.name);
      let n = 0;
      let candidate = base;
      while (taken.has(candidate)) candidate = `${base}_${++n}`;
      common.name = candidate;
    }
    taken.add(common.name);
    try {
      return entry.build(own, common, { seed: layerSeed(opts.seed, s.index) });
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError({ message: `layer ${s.index} (${s.type}): ${(e as Error).message}`, loc: s.loc });
    }
  });
}

/**
 * The model for a spec with `keras_json` or `base`, or undefined when it has neither (then the
 * usual builder applies). Integration: `const model = (await buildModelFromSources(spec, opts)) ?? buildModel(spec, opts)`.
 */
export async function buildModelFromSources(spec: ModelSpec, opts: { seed?: number } = {}): Promise<tf.LayersModel | undefined> {
  if (spec.kerasJson) {
    const { modelFromKerasJson } = await import('./keras-json/index.js');
    try {
      return await modelFromKerasJson(spec.kerasJson.path);
    } catch (e) {
      if (e instanceof ConfigError && spec.kerasJson.loc) {
        throw new ConfigError(e.problems.map((p) => ({ message: `model.keras_json "${spec.kerasJson?.given}": ${p.message}`, loc: p.loc ?? spec.kerasJson?.loc })));
      }
      throw e;
    }
  }
  if (spec.base) {
    const b = spec.base;
    const file = await resolveBasePath(b.path, '/', b.loc);
    const { model: base } = await loadModelSource(file);
    const top = buildTopLayers(spec.layers ?? [], { seed: opts.seed, taken: base.layers.map((l) => l.name) });
    const baseSpec: BaseModelSpec = { from: b.from, ...(b.trainable !== undefined ? { trainable: b.trainable } : {}), ...(b.pop !== undefined ? { pop: b.pop } : {}), ...(b.loc ? { loc: b.loc } : {}) };
    return stackOnBase(base, baseSpec, top, spec.name);
  }
  return undefined;
}
