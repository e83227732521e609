/**
 * A tfjs LayersModel → the Keras 3 model config (`model.to_json()`, `.keras` config.json, `.h5`
 * model_config). tfjs writes Keras 2's topology; Keras 3's deserializer needs, on every object,
 * `module` / `class_name` / `config` / `registered_name`, a Sequential whose first layer is an
 * InputLayer (`batch_shape`), InputLayer `batch_shape` in functional models, and inbound nodes as
 * `{args: [__keras_tensor__...], kwargs}` (MultiHeadAttention takes query, value, key as separate
 * arguments and the mask/causal flag as keywords; merge layers take one list).
 * Initializer fixes (seed-only classes, truncated normal) come from the Keras-2 JSON export.
 */
import type * as tf from '@tensorflow/tfjs';
import { fixTfjsTopology } from '../keras-json/export.js';
import type { PyDict, PyJson } from '../keras-json/translate.js';

/** The Keras release whose format is written (and checked by the tests against the real Keras). */
export const KERAS_VERSION = '3.15.1';

const isDict = (v: PyJson | undefined): v is PyDict => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A layer Keras adds in front of the model: the learned preprocessing. */
export interface FrontLayer {
  class_name: 'Normalization' | 'Rescaling';
  config: PyDict;
}

/** Keys tfjs writes that Keras 3 either lacks or must not get. */
const DROP_KEYS = new Set(['implementation', 'batch_input_shape', 'input_dim_', 'input_length_']);

/** Config sections holding a serialized object, and the Keras module they come from. */
const OBJECT_MODULES: [RegExp, string][] = [
  [/_initializer$/, 'keras.initializers'],
  [/_regularizer$/, 'keras.regularizers'],
  [/_constraint$/, 'keras.constraints'],
];

function kerasObject(module: string, className: string, config: PyDict): PyDict {
  return { module, class_name: className, config, registered_name: null };
}

/** One layer's config: objects get their module, nested layers (wrappers, models) are converted. */
function layerConfig(config: PyDict): PyDict {
  const out: PyDict = {};
  for (const [k, v] of Object.entries(config)) {
    if (DROP_KEYS.has(k)) continue;
    const objModule = OBJECT_MODULES.find(([re]) => re.test(k))?.[1];
    if (objModule && isDict(v) && typeof v.class_name === 'string') {
      out[k] = kerasObject(objModule, v.class_name, isDict(v.config) ? v.config : {});
    } else if ((k === 'layer' || k === 'backward_layer') && isDict(v)) {
      out[k] = kerasLayer(v);
    } else out[k] = v;
  }
  return out;
}

/** A layer entry without graph information (Sequential member, wrapped layer). */
function kerasLayer(layer: PyDict): PyDict {
  const cls = String(layer.class_name);
  if (cls === 'Sequential' || cls === 'Model' || cls === 'Functional') return kerasModel(layer);
  return kerasObject('keras.layers', cls, layerConfig(isDict(layer.config) ? layer.config : {}));
}

function inputLayer(name: string, batchShape: PyJson, dtype: PyJson = 'float32'): PyDict {
  return kerasObject('keras.layers', 'InputLayer', { batch_shape: batchShape, dtype, sparse: false, ragged: false, name });
}

function frontLayer(f: FrontLayer, name: string): PyDict {
  return kerasObject('keras.layers', f.class_name, { name, trainable: true, dtype: 'float32', ...f.config });
}

/** Output shapes by `layer/node/tensor`, for the `__keras_tensor__` entries (the legacy .h5 loader needs them). */
type ShapeLookup = (layer: string, node: number, tensor: number) => PyJson;
let shapeOf: ShapeLookup = () => null;

function shapeLookup(model: tf.LayersModel): ShapeLookup {
  return (layer, node, tensor) => {
    try {
      const l = model.getLayer(layer);
      const n = (l as unknown as { inboundNodes: { outputTensors: tf.SymbolicTensor[] }[] }).inboundNodes[node];
      const shape = n?.outputTensors[tensor]?.shape;
      return shape ? (shape as PyJson) : null;
    } catch {
      return null;
    }
  };
}

function tensorRef(ref: PyJson): PyDict {
  const r = Array.isArray(ref) ? ref : [];
  const layer = r[0] ?? null;
  const node = typeof r[1] === 'number' ? r[1] : 0;
  const tensor = typeof r[2] === 'number' ? r[2] : 0;
  const shape = typeof layer === 'string' ? shapeOf(layer, node, tensor) : null;
  return { class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [layer, node, tensor] } };
}

/** A tfjs inbound node (list of [layer, node, tensor, kwargs]) → Keras 3 `{args, kwargs}`. */
function inboundNode(cls: string, config: PyDict, node: PyJson): PyDict {
  const refs = (Array.isArray(node) ? node : []).map(tensorRef);
  if (cls === 'MultiHeadAttention') {
    const kwargs: PyDict = {};
    const args = [...refs];
    if (config.attention_mask_input === true) kwargs.attention_mask = args.pop() ?? null;
    if (config.use_causal_mask === true) kwargs.use_causal_mask = true;
    if (config.return_attention_scores === true) kwargs.return_attention_scores = true;
    if (args.length === 1) args.push(args[0] as PyDict); // self-attention called on one tensor
    return { args, kwargs };
  }
  return { args: refs.length === 1 ? refs : [refs], kwargs: {} };
}

const MHA_CALL_KEYS = ['attention_mask_input', 'use_causal_mask', 'return_attention_scores'];

function graphLayer(layer: PyDict): PyDict {
  const cls = String(layer.class_name);
  const name = String(layer.name ?? (isDict(layer.config) ? layer.config.name : ''));
  const config = isDict(layer.config) ? layer.config : {};
  let entry: PyDict;
  if (cls === 'InputLayer') entry = inputLayer(name, config.batch_input_shape ?? null, config.dtype ?? 'float32');
  else entry = kerasLayer(layer);
  if (cls === 'MultiHeadAttention' && isDict(entry.config)) {
    const c: PyDict = { ...entry.config };
    for (const k of MHA_CALL_KEYS) delete c[k];
    entry.config = c;
  }
  const nodes = Array.isArray(layer.inbound_nodes) ? layer.inbound_nodes : [];
  return { ...entry, name, inbound_nodes: nodes.map((n) => inboundNode(cls, config, n)) };
}

/** Flat `[name, 0, 0]` for one input/output, the list otherwise (as Keras 3 writes them). */
function ioList(v: PyJson | undefined): PyJson {
  if (!Array.isArray(v)) return [];
  return v.length === 1 && Array.isArray(v[0]) ? v[0] : v;
}

/** Puts `front` between the single input layer and every layer that read it. */
function insertFrontFunctional(layers: PyDict[], inputName: string, front: FrontLayer[]): PyDict[] {
  const taken = new Set(layers.map((l) => String(l.name)));
  let prev = inputName;
  const added: PyDict[] = [];
  for (const f of front) {
    const name = uniqueName(snakeCase(f.class_name), taken);
    added.push({ ...frontLayer(f, name), name, inbound_nodes: [{ args: [tensorRef([prev, 0, 0])], kwargs: {} }] });
    prev = name;
  }
  const rewire = (v: PyJson): PyJson => {
    if (Array.isArray(v)) return v.map(rewire);
    if (!isDict(v)) return v;
    if (v.class_name === '__keras_tensor__' && isDict(v.config) && Array.isArray(v.config.keras_history) && v.config.keras_history[0] === inputName) {
      return tensorRef([prev, 0, 0]);
    }
    const out: PyDict = {};
    for (const [k, x] of Object.entries(v)) out[k] = rewire(x);
    return out;
  };
  const at = layers.findIndex((l) => l.name === inputName);
  const rest = layers.map((l, i) => (i === at ? l : { ...l, inbound_nodes: rewire(l.inbound_nodes ?? []) }));
  return [...rest.slice(0, at + 1), ...added, ...rest.slice(at + 1)];
}

/** A (fixed) tfjs model topology → Keras 3 model object. */
function kerasModel(topology: PyDict, front: FrontLayer[] = []): PyDict {
  const cls = String(topology.class_name);
  const cfg = isDict(topology.config) ? topology.config : {};
  const rawLayers = (Array.isArray(cfg.layers) ? cfg.layers : []).filter(isDict).slice();
  const name = String(cfg.name ?? (cls === 'Sequential' ? 'sequential' : 'functional'));
  if (cls === 'Sequential') {
    // A Sequential read from Keras 3 keeps its InputLayer as the first entry.
    const explicitInput = rawLayers[0]?.class_name === 'InputLayer' ? rawLayers.shift() : undefined;
    const first = explicitInput ?? rawLayers[0];
    const firstCfg = first && isDict(first.config) ? first.config : {};
    const shape = firstCfg.batch_input_shape;
    const layers: PyDict[] = [];
    const taken = new Set(rawLayers.map((l) => String(isDict(l.config) ? l.config.name : '')));
    const inputName = explicitInput && typeof firstCfg.name === 'string' ? firstCfg.name : uniqueName('input_layer', taken);
    if (Array.isArray(shape)) layers.push(inputLayer(inputName, shape, firstCfg.dtype ?? 'float32'));
    for (const f of front) layers.push(frontLayer(f, uniqueName(snakeCase(f.class_name), taken)));
    layers.push(...rawLayers.map(kerasLayer));
    return { module: 'keras', class_name: 'Sequential', config: { name, trainable: true, dtype: 'float32', layers }, registered_name: null };
  }
  let layers = rawLayers.map(graphLayer);
  const inputs = ioList(cfg.input_layers);
  const singleInput = Array.isArray(inputs) && typeof inputs[0] === 'string' ? inputs[0] : undefined;
  if (front.length > 0 && singleInput) layers = insertFrontFunctional(layers, singleInput, front);
  return {
    // Keras 3 registers Functional under its source module, not under `keras`.
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: { name, trainable: true, layers, input_layers: inputs, output_layers: ioList(cfg.output_layers) },
    registered_name: null,
  };
}

/** Keras's `to_snake_case` (BatchNormalization → batch_normalization, Conv2D → conv2d). */
export function snakeCase(name: string): string {
  return name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

function uniqueName(base: string, taken: Set<string>): string {
  let n = 0;
  let candidate = base;
  while (taken.has(candidate)) candidate = `${base}_${++n}`;
  taken.add(candidate);
  return candidate;
}

export interface Keras3Config {
  /** `{module, class_name, config, registered_name}` for the whole model. */
  config: PyDict;
  warnings: string[];
}

/** The Keras 3 config of `model`, with `front` (learned preprocessing) before its first layer. */
export function toKeras3Config(model: tf.LayersModel, front: FrontLayer[] = []): Keras3Config {
  const { topology, warnings } = fixTfjsTopology(model);
  const inputs = ioList(isDict(topology.config) ? topology.config.input_layers : undefined);
  const singleInput = Array.isArray(inputs) && typeof inputs[0] === 'string';
  if (front.length > 0 && topology.class_name !== 'Sequential' && !singleInput) {
    warnings.push('the model has several inputs: the learned preprocessing is not put in front of them; scale the inputs as preprocessing.json says');
    front = [];
  }
  shapeOf = shapeLookup(model);
  try {
    return { config: kerasModel(topology, front), warnings };
  } finally {
    shapeOf = () => null;
  }
}
