/**
 * The validated, normalised document → the typed `KeratsConfig` the runtime uses, and the
 * resolved document (defaults filled) that is stored with each run.
 */
import * as path from 'node:path';
import { callbacks } from '../registry/callbacks.js';
import { optimizers } from '../registry/optimizers.js';
import type { RegistryEntry } from '../registry/types.js';
import { entryParts, INPUT_NAMES, type InputInfo } from './input-shape.js';
import type { Json, JsonObject, LocInfo } from './normalize.js';
import { DEFAULT_OPTIMIZER, FIT_DEFAULTS, findLayer } from './schema.js';
import type { DataSource, DataSpec, KeratsConfig, LayerSpec, NamedEntry, SourceLocation } from './types.js';

export interface BuildInput {
  doc: JsonObject;
  locs: Map<string, LocInfo>;
  input: InputInfo;
  /** Absolute path of the config file. */
  absFile: string;
}

const isObj = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export function buildConfig({ doc, locs, input, absFile }: BuildInput): KeratsConfig {
  const resolved = resolveDefaults(doc, absFile);
  const keyLoc = (ptr: string): SourceLocation | undefined => locs.get(ptr)?.key ?? locs.get(ptr)?.value;
  const named = (item: Json | undefined, ptr: string): NamedEntry => {
    const e = entryParts(item);
    if (!e) throw new Error(`internal: ${ptr} is not a normalised entry`);
    return { type: e.name, args: e.args, loc: keyLoc(`${ptr}/${e.name}`) };
  };

  const model = doc.model as JsonObject;
  const layerItems = (model.layers as Json[]).map((item, i) => ({ item, i }));
  const layers: LayerSpec[] = layerItems
    .filter(({ item }) => !INPUT_NAMES.has(entryParts(item)?.name ?? ''))
    .map(({ item, i }) => ({ ...named(item, `/model/layers/${i}`), index: i + 1 }));

  const compile = resolved.compile as JsonObject;
  const fit = resolved.fit as JsonObject;
  // The user's optimizer arguments as written (not the defaults-filled copy), or Keras's default.
  const userOptimizer = (doc.compile as JsonObject).optimizer;
  const optimizer: NamedEntry = userOptimizer !== undefined
    ? named(userOptimizer, '/compile/optimizer')
    : { type: optimizers.get(DEFAULT_OPTIMIZER).name, args: {} };
  const config: KeratsConfig = {
    name: resolved.name as string,
    model: { name: resolved.name as string, layers },
    compile: {
      optimizer,
      loss: compile.loss as string,
      metrics: compile.metrics as string[],
    },
    fit: {
      epochs: fit.epochs as number,
      batchSize: fit.batch_size as number,
      shuffle: fit.shuffle as boolean,
      callbacks: ((doc.fit as JsonObject | undefined)?.callbacks as Json[] | undefined ?? []).map((c, i) => named(c, `/fit/callbacks/${i}`)),
    },
    file: absFile,
    resolved,
  };
  if (typeof doc.seed === 'number') config.seed = doc.seed;
  if (input.inputShape) config.model.inputShape = input.inputShape;
  if (input.batchSize !== undefined) config.model.batchSize = input.batchSize;
  if (input.dtype) config.model.dtype = input.dtype;
  if (isObj(doc.data)) config.data = dataSpec(doc.data, locs, path.dirname(absFile));
  return config;
}

function dataSpec(data: JsonObject, locs: Map<string, LocInfo>, folder: string): DataSpec {
  const source = (part: string): DataSource | undefined => {
    const s = data[part];
    if (!isObj(s)) return undefined;
    const ptr = `/data/${part}`;
    if (isObj(s.synthetic)) {
      const y = s.synthetic;
      const out: DataSource = { kind: 'synthetic', samples: y.samples as number, xShape: y.x_shape as number[] };
      if (typeof y.classes === 'number') out.classes = y.classes;
      if (Array.isArray(y.y_shape)) out.yShape = y.y_shape as number[];
      if (typeof y.seed === 'number') out.seed = y.seed;
      const loc = locs.get(`${ptr}/synthetic`);
      if (loc) out.loc = loc.key ?? loc.value;
      return out;
    }
    const given = s.csv as string;
    const out: DataSource = { kind: 'csv', path: path.resolve(folder, given), given, label: s.label as string };
    if (Array.isArray(s.features)) out.features = s.features as string[];
    const loc = locs.get(`${ptr}/csv`)?.value;
    if (loc) out.loc = loc;
    return out;
  };
  const spec: DataSpec = { train: source('train') as DataSource };
  if (typeof data.validation_split === 'number') spec.validationSplit = data.validation_split;
  const validation = source('validation');
  if (validation) spec.validation = validation;
  const test = source('test');
  if (test) spec.test = test;
  return spec;
}

/** Fills Keras's defaults into a copy of an entry's arguments (only the entry's own arguments). */
function withDefaults(item: Json, find: (name: string) => RegistryEntry | undefined): Json {
  const e = entryParts(item);
  const entry = e && find(e.name);
  if (!e || !entry) return item;
  const args: JsonObject = clone(e.args);
  for (const [k, spec] of Object.entries(entry.args)) {
    if (!(k in args) && spec.default !== undefined) args[k] = clone(spec.default) as Json;
  }
  return { [e.name]: args };
}

/** The validated document with every default written out: what a run folder's config.json holds. */
export function resolveDefaults(doc: JsonObject, absFile: string): JsonObject {
  const out = clone(doc);
  delete out.$schema; // an editor hint, relative to the original file
  if (out.name === undefined) out.name = path.basename(absFile, path.extname(absFile));
  const model = out.model as JsonObject;
  model.layers = (model.layers as Json[]).map((l) => withDefaults(l, findLayer));
  const compile = out.compile as JsonObject;
  if (compile.optimizer === undefined) compile.optimizer = { [optimizers.get(DEFAULT_OPTIMIZER).name]: {} };
  compile.optimizer = withDefaults(compile.optimizer, (n) => optimizers.find(n));
  if (compile.metrics === undefined) compile.metrics = [];
  const fit: JsonObject = { ...FIT_DEFAULTS, callbacks: [], ...(isObj(out.fit) ? out.fit : {}) };
  fit.callbacks = (fit.callbacks as Json[]).map((c) => withDefaults(c, (n) => callbacks.find(n)));
  out.fit = fit;
  return out;
}
