/**
 * The validated, normalised document → the typed `KeratsConfig` the runtime uses, and the
 * resolved document (defaults filled) that is stored with each run.
 */
import * as path from 'node:path';
import { callbacks } from '../registry/callbacks.js';
import { optimizers } from '../registry/optimizers.js';
import type { RegistryEntry } from '../registry/types.js';
import { entryParts, type InputInfo } from './input-shape.js';
import { compileOutputs, modelSpec, nestedModels, type BlockInfo } from './model-spec.js';
import { fitExtras } from './fit-spec.js';
import type { Json, JsonObject, LocInfo } from './normalize.js';
import { DEFAULT_OPTIMIZER, FIT_DEFAULTS, findLayer } from './schema.js';
import type { CsvSource, DataSource, DataSpec, KeratsConfig, NamedEntry, SourceLocation, SyntheticSource } from './types.js';

export interface BuildInput {
  doc: JsonObject;
  locs: Map<string, LocInfo>;
  input: InputInfo;
  /** Absolute path of the config file. */
  absFile: string;
  /** Layers expanded from blocks: their origins and shape-dependent arguments. */
  blocks?: BlockInfo;
}

const isObj = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export function buildConfig({ doc, locs, input, absFile, blocks }: BuildInput): KeratsConfig {
  const resolved = resolveDefaults(doc, absFile);
  const keyLoc = (ptr: string): SourceLocation | undefined => locs.get(ptr)?.key ?? locs.get(ptr)?.value;
  const named = (item: Json | undefined, ptr: string): NamedEntry => {
    const e = entryParts(item);
    if (!e) throw new Error(`internal: ${ptr} is not a normalised entry`);
    return { type: e.name, args: e.args, loc: keyLoc(`${ptr}/${e.name}`) };
  };

  // Layers with their functional `inputs` taken out of the arguments; models defined under `models:`.
  const modelSpecValue = modelSpec(doc.model as JsonObject, '/model', resolved.name as string, locs, blocks);
  const nested = nestedModels(doc, locs, blocks);
  if (nested) modelSpecValue.models = nested;
  addModelSources(modelSpecValue, doc.model as JsonObject, locs, path.dirname(absFile));
  linkResolvedArgs(modelSpecValue, resolved.model);
  if (nested && isObj(resolved.models)) for (const [n, m] of Object.entries(nested)) linkResolvedArgs(m, resolved.models[n]);

  // A model-only file has no compile section: an empty loss stands in, and `missing` says so.
  const compile = isObj(resolved.compile) ? resolved.compile : { loss: '', metrics: [] };
  const fit = resolved.fit as JsonObject;
  // The user's optimizer arguments as written (not the defaults-filled copy), or Keras's default.
  const userOptimizer = isObj(doc.compile) ? doc.compile.optimizer : undefined;
  const optimizer: NamedEntry = userOptimizer !== undefined
    ? named(userOptimizer, '/compile/optimizer')
    : { type: optimizers.get(DEFAULT_OPTIMIZER).name, args: {} };
  const config: KeratsConfig = {
    name: resolved.name as string,
    model: modelSpecValue,
    compile: {
      optimizer,
      ...compileOutputs(compile),
      at: compileLocations(locs),
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
  const missing = (['compile', 'data'] as const).filter((k) => !isObj(doc[k]));
  if (missing.length > 0) config.missing = missing;
  Object.assign(config.fit, fitExtras(fit));
  if (Array.isArray(doc.plugins)) config.plugins = doc.plugins as string[];
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
      if (isObj(y.inputs)) out.inputs = syntheticInputs(y.inputs);
      if (isObj(y.outputs)) out.outputs = syntheticOutputs(y.outputs);
      const loc = locs.get(`${ptr}/synthetic`);
      if (loc) out.loc = loc.key ?? loc.value;
      return out;
    }
    const other = otherSource(s, ptr, locs, folder);
    if (other) return other;
    const format = (['csv', 'tsv', 'json', 'ndjson'] as const).find((k) => typeof s[k] === 'string') ?? 'csv';
    const given = s[format] as string;
    const out: CsvSource = { kind: 'csv', path: path.resolve(folder, given), given, label: String(s.label) };
    if (format !== 'csv') out.format = format;
    if (typeof s.label === 'number') out.labelPosition = s.label;
    if (isObj(s.label)) {
      // One label column per output (multi-output models): `label: {out_a: col_a, out_b: col_b}`.
      out.labels = Object.fromEntries(Object.entries(s.label).map(([k, v]) => [k, String(v)]));
      out.label = Object.values(out.labels)[0] ?? '';
    }
    if (typeof s.sample_weight === 'string') out.sampleWeight = s.sample_weight;
    if (Array.isArray(s.features)) out.features = s.features as string[];
    tableOptions(s, out);
    if (typeof s.stream === 'boolean' || s.stream === 'auto') out.stream = s.stream;
    const loc = locs.get(`${ptr}/${format}`)?.value;
    if (loc) out.loc = loc;
    return out;
  };
  if (data.dataset !== undefined) {
    // `dataset: fashion_mnist` or `dataset: {name: imdb, num_words: 10000}`.
    const d = data.dataset;
    const options: Record<string, number> = {};
    if (isObj(d)) for (const [k, v] of Object.entries(d)) if (k !== 'name' && typeof v === 'number') options[k] = v;
    const name = isObj(d) ? String(d.name) : String(d);
    const ds: DataSource = { kind: 'dataset', name, options };
    const dsLoc = locs.get('/data/dataset');
    if (dsLoc) ds.loc = dsLoc.value ?? dsLoc.key;
    const dspec: DataSpec = { train: ds };
    if (typeof data.validation_split === 'number') dspec.validationSplit = data.validation_split;
    return dspec;
  }
  const spec: DataSpec = { train: source('train') as DataSource };
  if (typeof data.validation_split === 'number') spec.validationSplit = data.validation_split;
  const validation = source('validation');
  if (validation) spec.validation = validation;
  const test = source('test');
  if (test) spec.test = test;
  return spec;
}

/** Named synthetic inputs (functional models): `{main_input: {x_shape, int_max}}`. */
function syntheticInputs(m: JsonObject): NonNullable<SyntheticSource['inputs']> {
  const out: NonNullable<SyntheticSource['inputs']> = {};
  for (const [k, v] of Object.entries(m)) {
    if (!isObj(v)) continue;
    out[k] = { xShape: v.x_shape as number[], ...(typeof v.int_max === 'number' ? { intMax: v.int_max } : {}) };
  }
  return out;
}

/** Named synthetic outputs: `{main_output: {classes: 2}}`, `{y_shape: [1]}`, `{copy_of: input}`. */
function syntheticOutputs(m: JsonObject): NonNullable<SyntheticSource['outputs']> {
  const out: NonNullable<SyntheticSource['outputs']> = {};
  for (const [k, v] of Object.entries(m)) {
    if (!isObj(v)) continue;
    out[k] = {
      ...(typeof v.classes === 'number' ? { classes: v.classes } : {}),
      ...(Array.isArray(v.y_shape) ? { yShape: v.y_shape as number[] } : {}),
      ...(typeof v.copy_of === 'string' ? { copyOf: v.copy_of } : {}),
    };
  }
  return out;
}

/** The table options of a csv / tsv / json / ndjson source (see the `csv` schema definition). */
function tableOptions(s: JsonObject, out: CsvSource): void {
  if (isObj(s.features)) {
    const f = s.features;
    out.featurePattern = typeof f.regex === 'string' ? { regex: f.regex } : { glob: String(f.pattern) };
  }
  if (typeof s.header === 'boolean') out.header = s.header;
  if (Array.isArray(s.columns)) out.columns = s.columns as string[];
  if (typeof s.delimiter === 'string') out.delimiter = s.delimiter;
  if (s.missing === 'error' || s.missing === 'drop' || s.missing === 'fill') out.missing = s.missing;
  if (s.fill !== undefined && s.fill !== null) out.fill = s.fill as NonNullable<CsvSource['fill']>;
  if (isObj(s.preprocess)) out.preprocess = clone(s.preprocess);
  if (isObj(s.timeseries)) {
    const t = s.timeseries;
    out.timeseries = {
      sequenceLength: t.sequence_length as number,
      sequenceStride: typeof t.sequence_stride === 'number' ? t.sequence_stride : 1,
      samplingRate: typeof t.sampling_rate === 'number' ? t.sampling_rate : 1,
    };
    if (typeof t.target_offset === 'number') out.timeseries.targetOffset = t.target_offset;
  }
}

/** Array files (npy / npz / idx) and image folders; undefined for tables. */
function otherSource(s: JsonObject, ptr: string, locs: Map<string, LocInfo>, folder: string): DataSource | undefined {
  const at = (key: string): SourceLocation | undefined => locs.get(`${ptr}/${key}`)?.value ?? locs.get(`${ptr}/${key}`)?.key;
  if (typeof s.images === 'string') {
    const size = s.image_size as number[];
    const out: DataSource = {
      kind: 'images',
      path: path.resolve(folder, s.images),
      given: s.images,
      imageSize: [size[0] ?? 1, size[1] ?? 1],
      colorMode: s.color_mode === 'grayscale' || s.color_mode === 'rgba' ? s.color_mode : 'rgb',
    };
    if (typeof s.rescale === 'number') out.rescale = s.rescale;
    const loc = at('images');
    if (loc) out.loc = loc;
    return out;
  }
  const format = (['npy', 'npz', 'idx'] as const).find((k) => typeof s[k] === 'string');
  if (!format) return undefined;
  const given = s[format] as string;
  const out: DataSource = { kind: 'arrays', format, path: path.resolve(folder, given), given };
  if (typeof s.labels === 'string') {
    out.labelsGiven = s.labels;
    out.labelsPath = path.resolve(folder, s.labels);
  }
  if (typeof s.x === 'string') out.xKey = s.x;
  if (typeof s.y === 'string') out.yKey = s.y;
  if (typeof s.rescale === 'number') out.rescale = s.rescale;
  const loc = at(format);
  if (loc) out.loc = loc;
  return out;
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
  if (Array.isArray(model.layers)) model.layers = model.layers.map((l) => withDefaults(l, findLayer));
  if (isObj(out.models)) for (const m of Object.values(out.models)) if (isObj(m) && Array.isArray(m.layers)) m.layers = m.layers.map((l) => withDefaults(l, findLayer));
  if (isObj(out.compile)) {
    const compile = out.compile;
    if (compile.optimizer === undefined) compile.optimizer = { [optimizers.get(DEFAULT_OPTIMIZER).name]: {} };
    compile.optimizer = withDefaults(compile.optimizer, (n) => optimizers.find(n));
    if (compile.metrics === undefined) compile.metrics = [];
  }
  const fit: JsonObject = { ...FIT_DEFAULTS, callbacks: [], ...(isObj(out.fit) ? out.fit : {}) };
  fit.callbacks = (fit.callbacks as Json[]).map((c) => withDefaults(c, (n) => callbacks.find(n)));
  out.fit = fit;
  return out;
}

/**
 * Block arguments computed from shapes: the resolved document shows their expression (never the
 * placeholder the checks saw) until the model builder writes the value in (see DeferredArg).
 */
function linkResolvedArgs(spec: KeratsConfig['model'], model: Json | undefined): void {
  const items = isObj(model) && Array.isArray(model.layers) ? model.layers : [];
  for (const l of spec.layers) {
    if (!l.deferred) continue;
    const e = entryParts(items[l.index - 1]);
    if (!e) continue;
    for (const d of l.deferred) {
      d.resolvedArgs = e.args;
      let at: Record<string | number, unknown> = e.args;
      for (const k of d.path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
      at[d.path[d.path.length - 1] as string | number] = `\${${d.value.expr}}`;
    }
  }
}

/** `model.keras_json` and `model.base` (the CUSTOM-LAYERS engineer's keys), resolved against the config's folder. */
function addModelSources(spec: KeratsConfig['model'], model: JsonObject, locs: Map<string, LocInfo>, folder: string): void {
  if (typeof model.keras_json === 'string') {
    const loc = locs.get('/model/keras_json')?.value;
    spec.kerasJson = { path: path.resolve(folder, model.keras_json), given: model.keras_json, ...(loc ? { loc } : {}) };
  }
  if (isObj(model.base) && typeof model.base.from === 'string') {
    const b = model.base;
    const loc = locs.get('/model/base/from')?.value;
    spec.base = { from: b.from as string, path: path.resolve(folder, b.from as string), ...(loc ? { loc } : {}) };
    if (typeof b.trainable === 'boolean' || Array.isArray(b.trainable)) spec.base.trainable = b.trainable as boolean | string[];
    if (typeof b.pop === 'number') spec.base.pop = b.pop;
  }
  // `model: {from: model.keras, trainable, pop, layers}`: the same transfer learning, written flat.
  if (typeof model.from === 'string') {
    const loc = locs.get('/model/from')?.value;
    spec.base = { from: model.from, path: path.resolve(folder, model.from), ...(loc ? { loc } : {}) };
    if (typeof model.trainable === 'boolean' || Array.isArray(model.trainable)) spec.base.trainable = model.trainable as boolean | string[];
    if (typeof model.pop === 'number') spec.base.pop = model.pop;
  }
}

/**
 * Where compile.loss / loss_weights / metrics and their entries were written (`loss`, `loss.out_a`,
 * `loss[1]`), for the errors found once the model's outputs are known (config/compile-outputs.ts).
 */
function compileLocations(locs: Map<string, LocInfo>): Record<string, SourceLocation> {
  const at: Record<string, SourceLocation> = {};
  for (const [ptr, info] of locs) {
    if (!/^\/compile\/(loss|loss_weights|metrics)(\/[^/]+)?$/.test(ptr)) continue;
    const loc = info.key ?? info.value;
    at[info.path.replace(/^compile\./, '')] = loc;
  }
  return at;
}
