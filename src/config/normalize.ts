/**
 * Located tree → the normalised document that the schema validates: registry names resolved to
 * their canonical spelling (any case, aliases), shorthands expanded (`Dropout: 0.1` →
 * `{Dropout: {rate: 0.1}}`, `optimizer: adam` → `{Adam: {}}`, `- Flatten` → `{Flatten: {}}`).
 *
 * Alongside, every JSON pointer of the normalised document is mapped back to the user's text
 * (`locs`), so schema errors about the normalised form still point at what the user wrote.
 */
import { callbacks } from '../registry/callbacks.js';
import { losses } from '../registry/losses.js';
import { metrics } from '../registry/metrics.js';
import { optimizers } from '../registry/optimizers.js';
import type { ArgSpec, RegistryEntry } from '../registry/types.js';
import type { Problem } from '../util/errors.js';
import { childPath, pointerSegment, type LNode } from './locate.js';
import { findLayer, isNestedLayerArg, layerArgs, layerEntries } from './schema.js';
import { suggestOnce } from './suggest-names.js';
import type { SourceLocation } from './types.js';

/** Where a value of the normalised document came from. */
export interface LocInfo {
  /** The key that introduces the value, when the user wrote one. */
  key?: SourceLocation;
  value: SourceLocation;
  /** The user's path to it, in their spelling: `model.layers[2].Dense.units`. */
  path: string;
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Normalized {
  doc: JsonObject;
  locs: Map<string, LocInfo>;
  problems: Problem[];
  /** Pointers already reported here; schema errors at or under them would only repeat the news. */
  reported: Set<string>;
  /** Pointers of entries' argument maps (`/model/layers/0/Dense`), with the entry's kind and name. */
  entries: Map<string, { kind: string; name: string }>;
}

interface Kind {
  noun: string;
  find(name: string): RegistryEntry | undefined;
  names(): string[];
  example: string;
}

const LAYER: Kind = {
  noun: 'layer',
  find: findLayer,
  names: () => layerEntries().flatMap((e) => [e.name, ...(e.aliases ?? [])]),
  example: 'Dense: {units: 16}',
};
const OPTIMIZER: Kind = { noun: 'optimizer', find: (n) => optimizers.find(n), names: () => optimizers.allNames(), example: 'Adam: {learning_rate: 0.001}' };
const CALLBACK: Kind = { noun: 'callback', find: (n) => callbacks.find(n), names: () => callbacks.allNames(), example: 'EarlyStopping: {patience: 5}' };
const LOSS: Kind = { noun: 'loss', find: (n) => losses.find(n), names: () => losses.allNames(), example: 'CategoricalCrossentropy: {from_logits: true}' };
const METRIC: Kind = { noun: 'metric', find: (n) => metrics.find(n), names: () => metrics.allNames(), example: 'AUC: {num_thresholds: 50}' };

/** `{LossName: {...}}` / `{LossName: null}`: one loss with arguments, rather than a map of losses by output name. */
function isLossEntryNode(node: LNode): boolean {
  const only = node.kind === 'map' && node.entries.length === 1 ? node.entries[0] : undefined;
  return !!only && losses.find(only.key) !== undefined && (only.value.kind === 'map' || (only.value.kind === 'scalar' && only.value.value === null));
}

/** A list node whose items are normalised by `f` (records the list's own location). */
function walkListWith(locs: Map<string, LocInfo>) {
  return (node: LNode, ptr: string, path: string, key: SourceLocation | undefined, f: (it: LNode, p: string, up: string) => Json): Json => {
    locs.set(ptr, { key, value: node.loc, path });
    return node.kind === 'seq' ? node.items.map((it, i) => f(it, `${ptr}/${i}`, childPath(path, i))) : [];
  };
}

export function normalize(root: LNode): Normalized {
  const locs = new Map<string, LocInfo>();
  const problems: Problem[] = [];
  const reported = new Set<string>();
  const entries = new Map<string, { kind: string; name: string }>();
  const walkList = walkListWith(locs);
  const report = (pointer: string, message: string, loc: SourceLocation): void => {
    problems.push({ message, loc });
    reported.add(pointer);
  };

  /** Plain conversion of a subtree, recording every pointer's location. */
  const plain = (node: LNode, ptr: string, path: string, key?: SourceLocation): Json => {
    locs.set(ptr, { key, value: node.loc, path });
    if (node.kind === 'scalar') return node.value;
    if (node.kind === 'seq') return node.items.map((it, i) => plain(it, `${ptr}/${i}`, childPath(path, i)));
    const out: JsonObject = {};
    for (const e of node.entries) out[e.key] = plain(e.value, `${ptr}/${pointerSegment(e.key)}`, childPath(path, e.key), e.keyLoc);
    return out;
  };

  /** `{Name: args}`, a bare `Name`, or `Name: shorthand` → `{Canonical: {args}}`. */
  const entry = (node: LNode, ptr: string, path: string, kind: Kind, key?: SourceLocation): Json => {
    locs.set(ptr, { key, value: node.loc, path });
    let name: string;
    let nameLoc: SourceLocation;
    let value: LNode | undefined;
    if (node.kind === 'scalar' && typeof node.value === 'string') {
      name = node.value;
      nameLoc = node.loc;
    } else if (node.kind === 'map' && node.entries.length === 1 && node.entries[0]) {
      name = node.entries[0].key;
      nameLoc = node.entries[0].keyLoc;
      value = node.entries[0].value;
    } else {
      report(ptr, notAnEntry(node, kind), node.kind === 'map' && node.entries[1] ? node.entries[1].keyLoc : node.loc);
      return plain(node, ptr, path, key);
    }
    const found = kind.find(name);
    if (!found) {
      report(ptr, `unknown ${kind.noun} "${name}"${suggestOnce(name, kind.names(), (c) => kind.find(c)?.name ?? c)}`, nameLoc);
      return value ? { [name]: plain(value, `${ptr}/${pointerSegment(name)}`, childPath(path, name), nameLoc) } : name;
    }
    const argsPtr = `${ptr}/${pointerSegment(found.name)}`;
    const argsPath = childPath(path, name);
    entries.set(argsPtr, { kind: kind.noun, name: found.name });
    const argSpecs = kind === LAYER ? layerArgs(found) : found.args;
    const posSpec = found.positional ? argSpecs[found.positional] : undefined;
    const posPtr = `${argsPtr}/${pointerSegment(found.positional ?? '')}`;
    // The path names the argument a shorthand value became: `model.layers[1].Dropout.rate`.
    const posPath = childPath(argsPath, found.positional ?? '');
    /** A value that is itself a layer (a wrapper's `layer`) is normalised as one. */
    const argValue = (v: LNode, spec: ArgSpec | undefined, p: string, up: string, k: SourceLocation): Json =>
      kind === LAYER && isNestedLayerArg(spec) ? entry(v, p, up, LAYER, k) : plain(v, p, up, k);

    if (value === undefined || (value.kind === 'scalar' && value.value === null)) {
      locs.set(argsPtr, { key: nameLoc, value: value?.loc ?? nameLoc, path: argsPath });
      return { [found.name]: {} };
    }
    const wrapped = value.kind === 'map' && value.entries.length === 1 && value.entries[0];
    const isWrappedLayer = wrapped && isNestedLayerArg(posSpec) && !(wrapped.key in argSpecs) && LAYER.find(wrapped.key);
    if (value.kind === 'map' && !isWrappedLayer) {
      locs.set(argsPtr, { key: nameLoc, value: value.loc, path: argsPath });
      const args: JsonObject = {};
      for (const e of value.entries) {
        args[e.key] = argValue(e.value, argSpecs[e.key], `${argsPtr}/${pointerSegment(e.key)}`, childPath(argsPath, e.key), e.keyLoc);
      }
      return { [found.name]: args };
    }
    // Shorthand: a scalar, a list (or a wrapped layer) fills the entry's positional argument.
    locs.set(argsPtr, { key: nameLoc, value: value.loc, path: argsPath });
    if (!found.positional) {
      const how = Object.keys(found.args).length === 0 ? `takes no arguments; write "${found.name}: {}"` : `needs its arguments as a map, e.g. "${found.name}: {${Object.keys(found.args)[0]}: ...}"`;
      report(argsPtr, `${found.name} ${how}, got ${describeNode(value)}`, value.loc);
      return { [found.name]: {} };
    }
    return { [found.name]: { [found.positional]: argValue(value, posSpec, posPtr, posPath, nameLoc) } };
  };

  /**
   * A loss or metric string → its canonical name. Metrics keep an exact spelling (`acc`, `mse`),
   * because Keras logs a metric under the name the user wrote (`val_acc`), and CI scripts read it.
   */
  const named = (node: LNode, ptr: string, path: string, noun: string, r: { find(n: string): RegistryEntry | undefined; allNames(): string[] }, key?: SourceLocation, keepSpelling = false): Json => {
    const v = plain(node, ptr, path, key);
    if (node.kind !== 'scalar' || typeof node.value !== 'string') return v;
    const found = r.find(node.value);
    if (found) return keepSpelling && r.allNames().includes(node.value) ? node.value : found.name;
    report(ptr, `unknown ${noun} "${node.value}"${suggestOnce(node.value, r.allNames(), (c) => r.find(c)?.name ?? c)}`, node.loc);
    return v;
  };

  const walk = (node: LNode, ptr: string, path: string, key?: SourceLocation): Json => {
    const list = (f: (it: LNode, p: string, up: string) => Json): Json => {
      if (node.kind !== 'seq') return plain(node, ptr, path, key);
      locs.set(ptr, { key, value: node.loc, path });
      return node.items.map((it, i) => f(it, `${ptr}/${i}`, childPath(path, i)));
    };
    /** `{output_name: value}` maps (multi-output compile settings): each value normalised by `f`. */
    const byOutput = (f: (v: LNode, p: string, up: string, k: SourceLocation) => Json): Json => {
      if (node.kind !== 'map') return plain(node, ptr, path, key);
      locs.set(ptr, { key, value: node.loc, path });
      const out: JsonObject = {};
      for (const e of node.entries) out[e.key] = f(e.value, `${ptr}/${pointerSegment(e.key)}`, childPath(path, e.key), e.keyLoc);
      return out;
    };
    // Layer lists of models defined under `models:` are normalised like model.layers.
    if (/^\/models\/[^/]+\/layers$/.test(ptr)) return list((it, p, up) => entry(it, p, up, LAYER));
    switch (ptr) {
      case '/model/layers':
        return list((it, p, up) => entry(it, p, up, LAYER));
      case '/fit/callbacks':
        return list((it, p, up) => entry(it, p, up, CALLBACK));
      case '/compile/metrics': {
        // A metric with arguments (`{AUC: {num_thresholds: 50}}`) is an entry; a string keeps its spelling.
        const metric = (it: LNode, ip: string, iup: string, k?: SourceLocation): Json =>
          it.kind === 'map' ? entry(it, ip, iup, METRIC, k) : named(it, ip, iup, 'metric', metrics, k, true);
        if (node.kind === 'map') return byOutput((v, p, up, k) => (v.kind === 'seq' ? walkList(v, p, up, k, (it, ip, iup) => metric(it, ip, iup)) : metric(v, p, up, k)));
        // Keras 3's list of lists: one list of metrics per output, in output order.
        return list((it, p, up) => (it.kind === 'seq' ? walkList(it, p, up, undefined, (m, mp, mup) => metric(m, mp, mup)) : metric(it, p, up)));
      }
      case '/compile/loss': {
        const loss = (v: LNode, p: string, up: string, k?: SourceLocation): Json => (isLossEntryNode(v) ? entry(v, p, up, LOSS, k) : named(v, p, up, 'loss', losses, k));
        if (isLossEntryNode(node)) return entry(node, ptr, path, LOSS, key);
        if (node.kind === 'map') return byOutput(loss);
        // A list: one loss per output, in output order (Keras's `loss=[...]`).
        if (node.kind === 'seq') return list((it, p, up) => loss(it, p, up));
        return named(node, ptr, path, 'loss', losses, key);
      }
      case '/compile/optimizer':
        return entry(node, ptr, path, OPTIMIZER, key);
    }
    if (node.kind !== 'map' || !(['', '/model', '/compile', '/fit', '/models'].includes(ptr) || /^\/models\/[^/]+$/.test(ptr))) return plain(node, ptr, path, key);
    locs.set(ptr, { key, value: node.loc, path });
    const out: JsonObject = {};
    for (const e of node.entries) out[e.key] = walk(e.value, `${ptr}/${pointerSegment(e.key)}`, childPath(path, e.key), e.keyLoc);
    return out;
  };

  if (root.kind !== 'map') {
    const message = `a config is a map of keys (name, data, model, compile, fit), got ${describeNode(root)}`;
    return { doc: {}, locs, problems: [{ message, loc: root.loc }], reported: new Set(['']), entries };
  }
  const doc = walk(root, '', '') as JsonObject;
  return { doc, locs, problems, reported, entries };
}

function notAnEntry(node: LNode, kind: Kind): string {
  const what = `a ${kind.noun} is a one-key map from its Keras name to its arguments, like "${kind.example}"`;
  if (node.kind !== 'map') return `${what}; got ${describeNode(node)}`;
  if (node.entries.length === 0) return `${what}; got an empty map`;
  const keys = node.entries.map((e) => `"${e.key}"`).join(', ');
  const first = node.entries[0];
  // The classic YAML slip: arguments indented at the level of the name, not under it.
  if (first && first.value.kind === 'scalar' && first.value.value === null && kind.find(first.key)) {
    return `this ${kind.noun} entry has ${node.entries.length} keys (${keys}); indent the arguments under "${first.key}:" by two more spaces`;
  }
  return `${what}; got ${node.entries.length} keys (${keys})`;
}

/** The user's value in a few words, for "got ..." in messages. */
export function describeNode(node: LNode): string {
  if (node.kind === 'map') return 'a map';
  if (node.kind === 'seq') return 'a list';
  return describeValue(node.value);
}

export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
