/**
 * A located tree: the parsed YAML/JSON document as plain values where every node remembers
 * where it is in the user's text. The yaml AST carries offsets, aliases and merge keys; this
 * flattens those once, so normalisation and error reporting never touch the yaml API.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import { ConfigError } from '../util/errors.js';
import type { SourceLocation } from './types.js';
import { DEFAULT_LIMITS, LIMIT_ENV, type InputLimits } from './limits.js';

export type ScalarValue = string | number | boolean | null;

export interface LScalar {
  kind: 'scalar';
  value: ScalarValue;
  loc: SourceLocation;
}

export interface LEntry {
  key: string;
  keyLoc: SourceLocation;
  value: LNode;
}

export interface LMap {
  kind: 'map';
  entries: LEntry[];
  loc: SourceLocation;
}

export interface LSeq {
  kind: 'seq';
  items: LNode[];
  loc: SourceLocation;
}

export type LNode = LScalar | LMap | LSeq;

/**
 * Upper bound on nodes produced while expanding aliases. yaml's own `maxAliasCount` guard runs
 * first (in load); this one keeps the expansion here bounded even if that guard is bypassed.
 */
const MAX_NODES = 200_000;

/** Converts the yaml document's contents into a located tree (aliases and `<<` merges expanded). */
export function toLocated(doc: Document, lines: LineCounter, file: string, limits: InputLimits = DEFAULT_LIMITS): LNode | undefined {
  let budget = MAX_NODES;
  const at = (offset: number): SourceLocation => {
    const p = lines.linePos(offset);
    return { file, line: p.line, col: p.col };
  };

  const convert = (node: unknown, fallback: SourceLocation, depth: number): LNode => {
    if (--budget < 0) {
      throw new ConfigError({ message: `the config's YAML aliases and merges expand to more than ${MAX_NODES.toLocaleString('en-US')} values; write the values out, or use fewer aliases of aliases`, loc: fallback });
    }
    // The text was measured before parsing (nesting.ts); only aliases of deep values can get here.
    if (depth > limits.depth) {
      throw new ConfigError({ message: `with its YAML aliases expanded, the config nests more than ${limits.depth} levels deep; set ${LIMIT_ENV.depth}=<levels> to raise the limit`, loc: fallback });
    }
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) throw new ConfigError({ message: `unknown YAML alias "*${node.source}"; define "&${node.source}" before using it`, loc: locOf(node) ?? fallback });
      return convert(target, locOf(target) ?? fallback, depth + 1);
    }
    if (isMap(node)) return convertMap(node.items, locOf(node) ?? fallback, depth);
    if (isSeq(node)) {
      const loc = locOf(node) ?? fallback;
      return { kind: 'seq', items: node.items.map((it) => convert(it, loc, depth + 1)), loc };
    }
    if (isScalar(node)) {
      const loc = node.source === '' && node.range?.[0] === node.range?.[1] ? fallback : (locOf(node) ?? fallback);
      return { kind: 'scalar', value: scalarValue(node.value), loc };
    }
    // A `key:` with nothing after it: yaml gives no node at all.
    return { kind: 'scalar', value: null, loc: fallback };
  };

  const convertMap = (pairs: Pair[], loc: SourceLocation, depth: number): LMap => {
    const entries: LEntry[] = [];
    const merged: LEntry[] = [];
    for (const pair of pairs) {
      const keyNode = pair.key;
      const keyLoc = locOf(keyNode) ?? loc;
      if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
        // `<<: *defaults` (merge key): its entries apply unless the map sets the key itself.
        const src = convert(pair.value, keyLoc, depth + 1);
        const maps = src.kind === 'seq' ? src.items : [src];
        for (const m of maps) {
          if (m.kind !== 'map') throw new ConfigError({ message: 'a "<<" merge key needs a map (or a list of maps) to merge', loc: keyLoc });
          merged.push(...m.entries);
        }
        continue;
      }
      if (keyNode !== null && !isScalar(keyNode)) {
        throw new ConfigError({ message: 'map keys must be plain names, not lists or maps', loc: keyLoc });
      }
      const key = isScalar(keyNode) ? String(keyNode.value) : 'null';
      entries.push({ key, keyLoc, value: convert(pair.value, keyLoc, depth + 1) });
    }
    const own = new Set(entries.map((e) => e.key));
    const seen = new Set<string>();
    for (const m of merged) {
      if (own.has(m.key) || seen.has(m.key)) continue;
      seen.add(m.key);
      entries.push(m);
    }
    return { kind: 'map', entries, loc };
  };

  function locOf(node: unknown): SourceLocation | undefined {
    const range = (node as Node | null | undefined)?.range;
    return range ? at(range[0]) : undefined;
  }

  if (doc.contents === null) return undefined;
  return convert(doc.contents, at(0), 0);
}

function scalarValue(v: unknown): ScalarValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  return String(v);
}

/** JSON-pointer segment escaping (RFC 6901), the form ajv uses in `instancePath`. */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Appends a key or index to a user-facing path: `model.layers[2].Dense.units`. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const simple = /^[A-Za-z_$][\w$-]*$/.test(key);
  if (!simple) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}
