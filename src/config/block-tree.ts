/**
 * Small edits of located layer entries for block expansion: read or set one argument, rename the
 * layers a block layer refers to. Every edit copies; the block definition is never changed.
 */
import type { LEntry, LMap, LNode, LScalar } from './locate.js';
import { findLayer } from './schema.js';
import type { SourceLocation } from './types.js';

export const mapGet = (m: LMap, key: string): LEntry | undefined => m.entries.find((e) => e.key === key);
export const scalar = (value: LScalar['value'], loc: SourceLocation): LScalar => ({ kind: 'scalar', value, loc });

/** Rewrites a block layer's `name` and `inputs` into the instance's namespace. */
export function rewriteRefs(layer: LNode, rename: (ref: string, loc: SourceLocation) => LScalar): LNode {
  if (layer.kind !== 'map' || layer.entries.length !== 1) return layer;
  const [entry] = layer.entries as [LEntry];
  const args = entry.value;
  if (args.kind !== 'map') return layer;
  const entries = args.entries.map((a): LEntry => {
    if (a.key === 'name' && a.value.kind === 'scalar' && typeof a.value.value === 'string') return { ...a, value: rename(a.value.value, a.value.loc) };
    if (a.key !== 'inputs') return a;
    const v = a.value;
    if (v.kind === 'scalar' && typeof v.value === 'string') return { ...a, value: rename(v.value, v.loc) };
    if (v.kind === 'seq') return { ...a, value: { ...v, items: v.items.map((i) => (i.kind === 'scalar' && typeof i.value === 'string' ? rename(i.value, i.loc) : i)) } };
    return a;
  });
  return { ...layer, entries: [{ ...entry, value: { ...args, entries } }] };
}

/** Sets (or replaces) a string argument of a one-key layer entry. */
export function setArg(layer: LNode, key: string, value: LNode, loc: SourceLocation): LNode {
  if (layer.kind === 'scalar' && typeof layer.value === 'string') {
    return { kind: 'map', loc: layer.loc, entries: [{ key: layer.value, keyLoc: layer.loc, value: { kind: 'map', loc, entries: [{ key, keyLoc: loc, value }] } }] };
  }
  if (layer.kind !== 'map' || layer.entries.length !== 1) return layer;
  const [entry] = layer.entries as [LEntry];
  const args = entry.value;
  if (args.kind === 'map') {
    const rest = args.entries.filter((a) => a.key !== key);
    return { ...layer, entries: [{ ...entry, value: { ...args, entries: [...rest, { key, keyLoc: loc, value }] } }] };
  }
  if (args.kind === 'scalar' && args.value === null) {
    return { ...layer, entries: [{ ...entry, value: { kind: 'map', loc: args.loc, entries: [{ key, keyLoc: loc, value }] } }] };
  }
  // A shorthand value (`Dense: 64`): the positional argument is filled during normalisation,
  // so keep the shorthand under a marker the normaliser cannot see; rather, expand to a map here.
  const found = findLayer(entry.key);
  if (!found?.positional) return layer;
  return { ...layer, entries: [{ ...entry, value: { kind: 'map', loc: args.loc, entries: [{ key: found.positional, keyLoc: args.loc, value: args }, { key, keyLoc: loc, value }] } }] };
}

export function argOf(layer: LNode, key: string): LNode | undefined {
  if (layer.kind !== 'map' || layer.entries.length !== 1) return undefined;
  const args = (layer.entries[0] as LEntry).value;
  return args.kind === 'map' ? mapGet(args, key)?.value : undefined;
}
