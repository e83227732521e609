/**
 * `--set path=value` overrides. A path is dotted keys with list indices (`fit.epochs`,
 * `model.layers[0].Dense.units`, `compile.optimizer.Adam.learning_rate`); the value is parsed as
 * YAML (so `3` is a number, `true` a boolean, `[1, 2]` a list) and then validated with the rest of
 * the file. Overrides work on the located tree, before normalisation, so every value they set is
 * located at the command line: errors read `--set fit.epochs=x: "epochs" must be an integer...`.
 *
 * The same path syntax is reusable on plain objects (`setPath`), e.g. by `kerats tune`.
 */
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { callbacks } from '../registry/callbacks.js';
import { optimizers } from '../registry/optimizers.js';
import { ConfigError } from '../util/errors.js';
import type { LMap, LNode, ScalarValue } from './locate.js';
import { inputLimits, LIMIT_ENV } from './limits.js';
import { findTooDeep } from './nesting.js';
import { findLayer } from './schema.js';
import type { SourceLocation } from './types.js';

export type PathSegment = string | number;

/** Line 0 marks a location on the command line: errors show the `--set` text alone. */
export function commandLineLoc(text: string): SourceLocation {
  return { file: text, line: 0, col: 0 };
}

/** `model.layers[0].Dense.units` → `['model', 'layers', 0, 'Dense', 'units']`; quoted keys `a["b.c"]` allowed. */
export function parseOverridePath(text: string, source = `--set ${text}`): PathSegment[] {
  const segs: PathSegment[] = [];
  const fail = (why: string): never => {
    throw new ConfigError({
      message: `invalid path "${text}": ${why}; write dotted keys with list indices, like model.layers[0].Dense.units`,
      loc: commandLineLoc(source),
    });
  };
  let i = 0;
  let expectKey = true;
  while (i < text.length) {
    const c = text[i];
    if (c === '[') {
      const close = text.indexOf(']', i);
      if (close < 0) fail('"[" without "]"');
      const inner = text.slice(i + 1, close).trim();
      if (/^\d+$/.test(inner)) segs.push(Number(inner));
      else if (/^"(?:[^"\\]|\\.)*"$/.test(inner)) segs.push(JSON.parse(inner) as string);
      else fail(`"[${inner}]" is not a list index (0, 1, 2, ...)`);
      i = close + 1;
      expectKey = false;
    } else if (c === '.') {
      if (expectKey) fail('empty key');
      i++;
      expectKey = true;
    } else {
      if (!expectKey) fail(`expected "." or "[" before "${text.slice(i)}"`);
      const m = /^[^.[\]]+/.exec(text.slice(i));
      const key = m?.[0] ?? '';
      segs.push(key.trim());
      i += key.length;
      expectKey = false;
    }
  }
  if (segs.length === 0 || expectKey) fail(segs.length === 0 ? 'it is empty' : 'it ends with "."');
  return segs;
}

export interface Override {
  /** The `--set` argument as given, used as the location of everything it sets. */
  source: string;
  path: PathSegment[];
  value: LNode;
}

/** `fit.epochs=3` → path and YAML-parsed value, located at the command line. */
export function parseOverride(set: string): Override {
  const source = `--set ${set}`;
  const eq = set.indexOf('=');
  if (eq <= 0) {
    throw new ConfigError({ message: `expected path=value, like --set fit.epochs=3, got "${set}"`, loc: commandLineLoc(source) });
  }
  const loc = commandLineLoc(source);
  return { source, path: parseOverridePath(set.slice(0, eq).trim(), source), value: parseValue(set.slice(eq + 1), loc) };
}

/** A YAML parse of the value text; anything unparsable stays the string the user typed. */
export function parseValue(text: string, loc: SourceLocation): LNode {
  if (text.trim() === '') return { kind: 'scalar', value: text === '' ? null : text, loc };
  const limits = inputLimits();
  if (findTooDeep(text, limits.depth)) {
    throw new ConfigError({ message: `the value is nested more than ${limits.depth} levels deep; set ${LIMIT_ENV.depth}=<levels> to raise the limit`, loc });
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0 || doc.contents === null) return { kind: 'scalar', value: text, loc };
  try {
    // Bounded like config files: a value cannot be an alias bomb either.
    doc.toJS({ maxAliasCount: limits.aliases });
  } catch {
    return { kind: 'scalar', value: text, loc };
  }
  return fromYaml(doc.contents, loc, 0, limits.depth);
}

function fromYaml(node: unknown, loc: SourceLocation, depth: number, max: number): LNode {
  if (depth > max) throw new ConfigError({ message: `the value is nested more than ${max} levels deep; set ${LIMIT_ENV.depth}=<levels> to raise the limit`, loc });
  if (isMap(node)) {
    return {
      kind: 'map',
      loc,
      entries: node.items.map((p) => ({ key: String(isScalar(p.key) ? p.key.value : p.key), keyLoc: loc, value: fromYaml(p.value, loc, depth + 1, max) })),
    };
  }
  if (isSeq(node)) return { kind: 'seq', loc, items: node.items.map((it) => fromYaml(it, loc, depth + 1, max)) };
  if (isScalar(node)) return { kind: 'scalar', value: scalar((node as Node & { value: unknown }).value), loc };
  return { kind: 'scalar', value: null, loc };
}

function scalar(v: unknown): ScalarValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

/** The argument a scalar shorthand stands for (`Dense: 16` → `units`), so `--set ...Dense.activation=relu` keeps the 16. */
function positionalOf(name: string): string | undefined {
  return findLayer(name)?.positional ?? optimizers.find(name)?.positional ?? callbacks.find(name)?.positional;
}

/** Applies `--set` overrides to the located tree (a new tree; `doc` is not modified). */
export function applyOverrides(doc: LNode, sets: readonly string[]): LNode {
  let root = doc;
  for (const set of sets) root = applyOne(root, parseOverride(set));
  return root;
}

export function applyOne(doc: LNode, o: Override): LNode {
  const loc = commandLineLoc(o.source);
  const walk = (node: LNode | undefined, i: number, parentKey: string | undefined): LNode => {
    if (i === o.path.length) return o.value;
    const seg = o.path[i] as PathSegment;
    if (typeof seg === 'number') {
      if (!node || node.kind !== 'seq') {
        throw new ConfigError({ message: `"${pathText(o.path, i)}" is not a list, so [${seg}] cannot index it`, loc });
      }
      if (seg > node.items.length) {
        throw new ConfigError({ message: `"${pathText(o.path, i)}" has ${node.items.length} item(s); index ${seg} is out of range (use 0 to ${node.items.length})`, loc });
      }
      const items = [...node.items];
      items[seg] = walk(node.items[seg], i + 1, undefined);
      return { ...node, items };
    }
    let map: LMap;
    if (node?.kind === 'map') map = node;
    else if (node?.kind === 'seq') {
      throw new ConfigError({ message: `"${pathText(o.path, i)}" is a list; index it with [n] before ".${seg}"`, loc });
    } else {
      // A scalar shorthand (`Dropout: 0.1`, `optimizer: adam`) or nothing: becomes a map, keeping a shorthand's value.
      map = { kind: 'map', loc, entries: [] };
      if (node?.kind === 'scalar' && node.value !== null && node.value !== '') {
        const pos = parentKey !== undefined ? positionalOf(parentKey) : undefined;
        if (pos !== undefined) map.entries.push({ key: pos, keyLoc: node.loc, value: node });
        else if (typeof node.value === 'string' && (optimizers.find(node.value) || findLayer(node.value) || callbacks.find(node.value))) {
          // `optimizer: adam` + `--set compile.optimizer.Adam.learning_rate=...`: the named entry's map, empty.
          map.entries.push({ key: node.value, keyLoc: node.loc, value: { kind: 'map', loc: node.loc, entries: [] } });
        }
      }
    }
    const entries = [...map.entries];
    // Exact key first; else the one key that differs only in case (`adam` vs `Adam`), as names match.
    let idx = entries.findIndex((e) => e.key === seg);
    if (idx < 0) {
      const ci = entries.map((e, j) => (e.key.toLowerCase() === seg.toLowerCase() ? j : -1)).filter((j) => j >= 0);
      if (ci.length === 1) idx = ci[0] as number;
    }
    if (idx >= 0) {
      const e = entries[idx];
      if (e) entries[idx] = { ...e, value: walk(e.value, i + 1, e.key) };
    } else {
      entries.push({ key: seg, keyLoc: loc, value: walk(undefined, i + 1, seg) });
    }
    return { ...map, entries };
  };
  return walk(doc, 0, undefined);
}

function pathText(path: PathSegment[], upTo: number): string {
  let s = '';
  for (const seg of path.slice(0, upTo)) s += typeof seg === 'number' ? `[${seg}]` : s ? `.${seg}` : seg;
  return s || '(the config)';
}

type Plain = null | boolean | number | string | Plain[] | { [k: string]: Plain };

/**
 * The same path syntax on a plain JSON-like object (returns a new object): for code that varies
 * a config programmatically (`kerats tune`). Intermediate maps are created as needed.
 */
export function setPath<T>(obj: T, path: string | readonly PathSegment[], value: unknown): T {
  const segs = typeof path === 'string' ? parseOverridePath(path) : path;
  const walk = (node: unknown, i: number): unknown => {
    if (i === segs.length) return value;
    const seg = segs[i] as PathSegment;
    if (typeof seg === 'number') {
      const list = Array.isArray(node) ? [...(node as Plain[])] : [];
      if (seg > list.length) throw new ConfigError(`"${pathText([...segs], i)}" has ${list.length} item(s); index ${seg} is out of range`);
      list[seg] = walk(list[seg], i + 1) as Plain;
      return list;
    }
    const map: Record<string, unknown> = typeof node === 'object' && node !== null && !Array.isArray(node) ? { ...(node as Record<string, unknown>) } : {};
    map[seg] = walk(map[seg], i + 1);
    return map;
  };
  return walk(obj, 0) as T;
}
