/**
 * Keras `model.to_json()` → the Keras-2-style topology tfjs-layers deserialises. tfjs reads
 * Keras 2's format directly; Keras 3 differs in ways translated here:
 *   - `module` / `registered_name` / `build_config` / `compile_config` keys on every object (dropped);
 *   - dtype policies `{class_name: "DTypePolicy", config: {name: "float32"}}` (→ "float32");
 *   - InputLayer `batch_shape` (→ `batch_input_shape`) and `optional`;
 *   - inbound nodes `[{args: [__keras_tensor__...], kwargs}]` (→ `[[[layer, node, tensor, {}]...]]`);
 *   - single `input_layers`/`output_layers` written flat (`["in", 0, 0]`).
 * Layers Keras has and tfjs lacks are either kerats' own (src/registry/layers/custom: attention,
 * LocallyConnected, expression Lambda) or reported by name.
 */
import { ConfigError } from '../../util/errors.js';
import { layers } from '../../registry/layers/index.js';
import { isAccepted, unsupportedArgMessage, unsupportedKerasArgs } from '../../registry/keras-arguments.js';

export type PyJson = string | number | boolean | null | PyJson[] | { [k: string]: PyJson };
export type PyDict = { [k: string]: PyJson };

const isDict = (v: PyJson | undefined): v is PyDict => typeof v === 'object' && v !== null && !Array.isArray(v);

const DROP = new Set(['module', 'registered_name', 'build_config', 'compile_config', 'shared_object_id']);

/** Keras 3 layer class names tfjs knows under another name. */
const CLASS_RENAMES: Record<string, string> = {
  // Keras 3 spells the batch-norm-free normalisation layer the same; listed here as the place to add one.
};

function dtypeName(v: PyJson): PyJson {
  if (isDict(v) && isDict(v.config) && typeof v.config.name === 'string') {
    // "mixed_float16" and friends compute in float16, which tfjs lacks: run in float32.
    return v.config.name.startsWith('mixed_') ? 'float32' : v.config.name;
  }
  return v;
}

/** `__keras_tensor__` → `[layer, node, tensor, {}]`. */
function kerasTensorRef(v: PyJson): PyJson[] | undefined {
  if (!isDict(v) || v.class_name !== '__keras_tensor__' || !isDict(v.config)) return undefined;
  const h = v.config.keras_history;
  if (!Array.isArray(h)) return undefined;
  return [h[0] ?? null, h[1] ?? 0, h[2] ?? 0, {}];
}

function collectTensors(v: PyJson, out: PyJson[][]): void {
  const ref = kerasTensorRef(v);
  if (ref) { out.push(ref); return; }
  if (Array.isArray(v)) for (const x of v) collectTensors(x, out);
  else if (isDict(v)) for (const x of Object.values(v)) collectTensors(x, out);
}

/** Keras 3 node list → Keras 2 node list. Keras 2 lists pass through. */
function inboundNodes(nodes: PyJson): PyJson {
  if (!Array.isArray(nodes)) return nodes;
  return nodes.map((node) => {
    if (!isDict(node)) return node;
    const refs: PyJson[][] = [];
    collectTensors(node.args ?? [], refs);
    // MultiHeadAttention(query, value, key=k): keyword tensors follow the positional ones.
    collectTensors(node.kwargs ?? {}, refs);
    return refs;
  });
}

/**
 * Flat `["in", 0, 0]` → `[["in", 0, 0]]`; Keras 3's dict of named outputs → their list, in the
 * sorted-key order Keras flattens a dict in.
 */
function ioLayers(v: PyJson): PyJson {
  if (isDict(v)) return Object.keys(v).sort().map((k) => ioLayers(v[k] as PyJson)).flat(1);
  return Array.isArray(v) && typeof v[0] === 'string' ? [v] : v;
}

function translateLayer(layer: PyJson, path: string): PyJson {
  if (!isDict(layer)) return layer;
  const out: PyDict = {};
  for (const [k, v] of Object.entries(layer)) {
    if (DROP.has(k)) continue;
    out[k] = v;
  }
  const cls = typeof out.class_name === 'string' ? out.class_name : '';
  if (cls in CLASS_RENAMES) out.class_name = CLASS_RENAMES[cls] as string;
  if (isDict(out.config)) out.config = translateConfig(cls, out.config, `${path}.config`);
  if (out.inbound_nodes !== undefined) out.inbound_nodes = inboundNodes(out.inbound_nodes);
  return out;
}

function translateConfig(cls: string, config: PyDict, path: string): PyDict {
  const out: PyDict = {};
  for (const [k, v] of Object.entries(config)) {
    if (DROP.has(k)) continue;
    if (k === 'dtype') { out.dtype = dtypeName(v); continue; }
    if (k === 'layers' && Array.isArray(v)) { out.layers = v.map((l, i) => translateLayer(l, `${path}.layers[${i}]`)); continue; }
    if (k === 'layer' && isDict(v)) { out.layer = translateLayer(v, `${path}.layer`); continue; }
    if ((k === 'input_layers' || k === 'output_layers')) { out[k] = ioLayers(v); continue; }
    if (isDict(v) && typeof v.class_name === 'string' && isDict(v.config)) {
      // an initializer, regularizer or constraint: keep {class_name, config}, dropping Keras 3 extras
      out[k] = { class_name: v.class_name, config: translateConfig(v.class_name, v.config, `${path}.${k}`) };
      continue;
    }
    out[k] = v;
  }
  if (cls === 'InputLayer') {
    if (out.batch_shape !== undefined && out.batch_input_shape === undefined) out.batch_input_shape = out.batch_shape;
    if (out.batch_input_shape === undefined && Array.isArray(out.shape)) out.batch_input_shape = [null, ...out.shape];
    delete out.batch_shape;
    delete out.shape;
    delete out.optional;
    delete out.ragged;
    delete out.input_tensor;
  }
  if (cls === 'Lambda' && out.expr === undefined) {
    throw new ConfigError(
      `${path}: the Keras Lambda layer "${String(out.name)}" holds Python code, which kerats cannot run; ` +
        'replace it in a kerats config with a {Lambda: {expr: "..."}} expression (e.g. "x * 2 + 1")',
    );
  }
  if (cls === 'Bidirectional' && isMirror(out.layer, out.backward_layer)) delete out.backward_layer;
  refuseUnsupportedArgs(cls, out, path);
  // Keras 2 to_json of Sequential may hold the first layer's batch_input_shape; tfjs reads it as is.
  return out;
}

/**
 * Keras 3 writes Bidirectional's `backward_layer` even when it made it itself: the forward layer
 * with go_backwards flipped. That one is what kerats builds anyway; another one is refused.
 */
function isMirror(forward: PyJson | undefined, backward: PyJson | undefined): boolean {
  if (!isDict(forward) || !isDict(backward) || !isDict(forward.config) || !isDict(backward.config)) return false;
  if (forward.class_name !== backward.class_name) return false;
  const strip = (c: PyDict): PyDict => {
    const { name: _n, go_backwards: _g, ...rest } = c;
    return rest;
  };
  return JSON.stringify(strip(forward.config)) === JSON.stringify(strip(backward.config)) &&
    Boolean(forward.config.go_backwards) !== Boolean(backward.config.go_backwards);
}

/**
 * A Keras argument kerats cannot honour, set to anything but Keras's default, is an error naming
 * it: dropping it would build another model than the one the file describes.
 */
function refuseUnsupportedArgs(cls: string, config: PyDict, path: string): void {
  const entry = cls === 'Sequential' || cls === 'Functional' || cls === 'Model' ? undefined : layers.find(cls);
  if (!entry) return;
  const unsupported = unsupportedKerasArgs(entry);
  for (const [k, v] of Object.entries(config)) {
    const u = unsupported[k];
    if (u && !isAccepted(u, v)) {
      throw new ConfigError(`${path}: ${unsupportedArgMessage(`Keras layer "${String(config.name ?? cls)}" (${cls})`, k, v, u)}`);
    }
  }
}

/** The model topology tfjs's `modelFromJSON` takes, from a parsed Keras `to_json()` document. */
export function translateKerasJson(doc: PyDict): PyDict {
  const cls = doc.class_name;
  if (cls !== 'Sequential' && cls !== 'Functional' && cls !== 'Model') {
    throw new ConfigError(`this Keras JSON describes a "${String(cls)}", not a Sequential, Functional or Model architecture`);
  }
  const top = translateLayer(doc, 'model') as PyDict;
  // tfjs registers the functional model class as "Model" (and "Functional"); use the Keras 2 name.
  if (top.class_name === 'Functional') top.class_name = 'Model';
  return { class_name: top.class_name as string, config: top.config ?? {}, keras_version: doc.keras_version ?? '2.x', backend: 'tensorflow' };
}

/** What a parsed model JSON file is: Keras `to_json()`, a TensorFlow.js model.json, or neither. */
export function jsonModelKind(doc: unknown): 'keras' | 'tfjs' | undefined {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const d = doc as Record<string, unknown>;
  if ('modelTopology' in d && ('weightsManifest' in d || 'format' in d)) return 'tfjs';
  if (typeof d.class_name === 'string' && typeof d.config === 'object' && d.config !== null) return 'keras';
  return undefined;
}
