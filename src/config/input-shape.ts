/**
 * Where the model's input shape comes from. Keras users give it in one of three places:
 * `model.input_shape`, the first layer's `input_shape` / `input_dim` / `batch_input_shape`, or a
 * first `Input: {shape: [...]}` entry. All three end up in `ModelSpec.inputShape`; giving two
 * different shapes is a problem, giving the same one twice is fine.
 */
import { layers } from '../registry/layers/index.js';
import type { Problem } from '../util/errors.js';
import type { JsonObject, Normalized } from './normalize.js';
import type { SourceLocation } from './types.js';

export interface InputInfo {
  inputShape?: (number | null)[];
  batchSize?: number;
  dtype?: 'float32' | 'int32';
  /** Position in `model.layers` of the Input entry, which the typed layer list leaves out. */
  inputEntryIndex?: number;
  problems: Problem[];
}

/** Canonical names that declare the input rather than transform it. */
export const INPUT_NAMES = new Set(['Input', 'InputLayer']);

const isObj = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A sample shape: positive ints, null for a dimension of any length (`[null]`, `[null, 8]`). */
const isDims = (v: unknown): v is (number | null)[] =>
  Array.isArray(v) && v.length > 0 && v.every((d) => d === null || (Number.isInteger(d) && (d as number) > 0));

/** The single key and argument map of a normalised `{Name: args}` entry. */
export function entryParts(item: unknown): { name: string; args: JsonObject } | undefined {
  if (!isObj(item)) return undefined;
  const keys = Object.keys(item);
  const name = keys[0];
  if (keys.length !== 1 || name === undefined) return undefined;
  const args = item[name];
  return { name, args: isObj(args) ? args : {} };
}

export function resolveInput(norm: Normalized): InputInfo {
  const info: InputInfo = { problems: [] };
  const model = norm.doc.model;
  if (!isObj(model)) return info;
  const layerList = Array.isArray(model.layers) ? model.layers : [];
  const locOf = (ptr: string): SourceLocation | undefined => norm.locs.get(ptr)?.key ?? norm.locs.get(ptr)?.value;

  let shapeFrom: { what: string; shape: (number | null)[] } | undefined;
  const offer = (shape: unknown, what: string, ptr: string): void => {
    if (!isDims(shape)) return;
    if (!shapeFrom) {
      shapeFrom = { what, shape };
      info.inputShape = shape;
    } else if (JSON.stringify(shapeFrom.shape) !== JSON.stringify(shape)) {
      info.problems.push({
        message: `the input shape is given twice and differs: ${shapeFrom.what} is ${JSON.stringify(shapeFrom.shape)} but ${what} is ${JSON.stringify(shape)}; keep one`,
        loc: locOf(ptr),
      });
    }
  };

  offer(model.input_shape, 'model.input_shape', '/model/input_shape');
  // Functional models declare their inputs by name (`model.inputs`); the graph builder reads them.
  if (Array.isArray(model.inputs)) return info;

  layerList.forEach((item, i) => {
    const e = entryParts(item);
    if (!e || !INPUT_NAMES.has(e.name)) return;
    if (i > 0) {
      info.problems.push({ message: `${e.name} must be the first entry of model.layers (it is entry ${i + 1})`, loc: locOf(`/model/layers/${i}/${e.name}`) });
      return;
    }
    info.inputEntryIndex = 0;
    const where = `${e.name}'s shape`;
    const ptr = `/model/layers/0/${e.name}`;
    for (const k of ['shape', 'input_shape']) offer(e.args[k], where, `${ptr}/${k}`);
    for (const k of ['batch_shape', 'batch_input_shape']) {
      const bs = e.args[k];
      if (Array.isArray(bs)) {
        offer(bs.slice(1), where, `${ptr}/${k}`);
        if (Number.isInteger(bs[0])) info.batchSize = bs[0] as number;
      }
    }
    if (Number.isInteger(e.args.batch_size)) info.batchSize = e.args.batch_size as number;
    if (e.args.dtype === 'float32' || e.args.dtype === 'int32') info.dtype = e.args.dtype;
  });

  // The first layer proper (after an Input entry, if any) may carry Keras's input arguments.
  const firstIndex = info.inputEntryIndex === 0 ? 1 : 0;
  const first = entryParts(layerList[firstIndex]);
  if (first && !INPUT_NAMES.has(first.name)) {
    const ptr = `/model/layers/${firstIndex}/${first.name}`;
    const what = `layer ${firstIndex + 1} (${first.name}) input_shape`;
    // Embedding's own input_dim is its vocabulary size, not an input shape: its input is
    // (None, input_length), as in Keras 2.
    const ownInputDim = layers.find(first.name)?.args.input_dim !== undefined;
    if (!ownInputDim && first.args.input_shape !== undefined && first.args.input_dim !== undefined) {
      info.problems.push({ message: `${first.name} has both input_shape and input_dim; give one`, loc: locOf(`${ptr}/input_dim`) });
    }
    offer(first.args.input_shape, what, `${ptr}/input_shape`);
    if (!ownInputDim && Number.isInteger(first.args.input_dim)) offer([first.args.input_dim], what, `${ptr}/input_dim`);
    if (ownInputDim && Number.isInteger(first.args.input_length)) offer([first.args.input_length], what, `${ptr}/input_length`);
    const bis = first.args.batch_input_shape;
    if (Array.isArray(bis)) {
      offer(bis.slice(1), what, `${ptr}/batch_input_shape`);
      if (Number.isInteger(bis[0])) info.batchSize = bis[0] as number;
    }
    if (Number.isInteger(first.args.batch_size)) info.batchSize = first.args.batch_size as number;
  }
  return info;
}
