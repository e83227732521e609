/**
 * Builds a layer given as another layer's argument (`Bidirectional: {layer: {LSTM: {units: 32}}}`,
 * `TimeDistributed: {layer: {Dense: 10}}`). The registry is handed in by index.ts at load time,
 * so the wrapper entries need not import the registry (which imports them).
 */
import { didYouMean } from '../../util/suggest.js';
import type { Registry } from '../registry.js';
import type { ArgMap, JsonSchema, LayerBuildContext, LayerEntry } from '../types.js';
import { splitCommonArgs } from './common.js';

let registry: Registry<LayerEntry> | undefined;

export function setNestedRegistry(r: Registry<LayerEntry>): void {
  registry = r;
}

export const NESTED_LAYER_SCHEMA: JsonSchema = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  description: 'A layer as a one-key map, e.g. {LSTM: {units: 32}} or {Dense: 10}.',
};

/** The wrapped layer's entry and Keras arguments (positional shorthand expanded). */
export function resolveNested(value: unknown, owner: string): { entry: LayerEntry; args: ArgMap } {
  if (!registry) throw new Error('layer registry not initialised');
  if (typeof value === 'string') value = { [value]: null };
  if (!value || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length !== 1) {
    throw new Error(`${owner}: "layer" must be one layer as a one-key map, e.g. {LSTM: {units: 32}}, got ${JSON.stringify(value)}`);
  }
  const [given, inner] = Object.entries(value as Record<string, unknown>)[0] as [string, unknown];
  const entry = registry.find(given);
  if (!entry) throw new Error(`${owner}: ${registry.unknownMessage(given)}`);
  let args: ArgMap;
  if (inner === null || inner === undefined) args = {};
  else if (typeof inner === 'object' && !Array.isArray(inner)) args = { ...(inner as ArgMap) };
  else if (entry.positional) args = { [entry.positional]: inner };
  else throw new Error(`${owner}: ${entry.name} takes no shorthand value; write {${entry.name}: {...}}`);
  const known = new Set([...Object.keys(entry.args), 'name', 'trainable', 'dtype']);
  for (const k of Object.keys(args)) {
    if (!known.has(k)) throw new Error(`${owner}: ${entry.name} has no argument "${k}"${didYouMean(k, known)}`);
  }
  for (const [k, spec] of Object.entries(entry.args)) {
    if (spec.required && args[k] === undefined) throw new Error(`${owner}: ${entry.name} needs "${k}" (${spec.description})`);
  }
  return { entry, args };
}

/** Builds the wrapped layer (its common args such as `name` apply to it, not to the wrapper). */
export function buildNested(value: unknown, owner: string, ctx: LayerBuildContext) {
  const { entry, args } = resolveNested(value, owner);
  const { own, common } = splitCommonArgs(args, Object.keys(entry.args));
  return { entry, layer: entry.build(own, common, ctx) };
}
