/**
 * Schema validation of the normalised document with ajv, every error translated into a Problem
 * in the user's words, at the user's text: no "must match a schema in anyOf".
 */
import type { ErrorObject } from 'ajv';
import type { Problem } from '../util/errors.js';
import { describeValue, type Normalized } from './normalize.js';
import { compiledSchema, simplify, type Item, type Mismatch } from './branches.js';
import { quickValid } from './quick-validate.js';
import { suggestOnce } from './suggest-names.js';
import { closest } from '../util/suggest.js';
import type { SourceLocation } from './types.js';
import type { JsonSchema } from '../registry/types.js';
import { unsupportedArgMessage, unsupportedKerasArgs, type UnsupportedArg } from '../registry/keras-arguments.js';
import { layers } from '../registry/layers/index.js';

/** The Keras arguments a layer lacks (by its canonical name). */
function unsupportedOf(layer: string): Record<string, UnsupportedArg> {
  const entry = layers.find(layer);
  return entry ? unsupportedKerasArgs(entry) : {};
}

export function validateDocument(norm: Normalized): Problem[] {
  if (quickValid(norm.doc)) return [];
  const c = compiledSchema();
  if (c.validate(norm.doc)) return [];
  const items = simplify(c.validate.errors ?? [], c);
  const sections = sectionKeys(c.schema);
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (isReported(norm.reported, item) || isMisspelledRequired(item, items)) continue;
    const p = translate(item, norm, sections);
    const id = `${p.loc?.line}:${p.loc?.col}:${p.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    problems.push(p);
  }
  return problems;
}

/** Each config section's keys, to say where a misplaced key belongs. */
function sectionKeys(schema: JsonSchema): Record<string, string[]> {
  const sections: Record<string, string[]> = {};
  const props = (schema.properties ?? {}) as Record<string, { properties?: Record<string, unknown> }>;
  for (const [name, s] of Object.entries(props)) if (s.properties) sections[name] = Object.keys(s.properties);
  return sections;
}

/** "missing "units"" next to "no argument "unit"; did you mean "units"?" says the same thing twice. */
function isMisspelledRequired(item: Item, items: Item[]): boolean {
  if (item.keyword !== 'required') return false;
  const missing = String((item as ErrorObject).params.missingProperty);
  return items.some(
    (o) => o.keyword === 'additionalProperties' && o.instancePath === item.instancePath &&
      closest(String((o as ErrorObject).params.additionalProperty), [missing]).length > 0,
  );
}

function within(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}

function isReported(reported: Set<string>, item: Item): boolean {
  for (const r of reported) if (within(item.instancePath, r)) return true;
  return false;
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map',
  null: 'null (empty)',
};

/** Old Keras argument names that did-you-mean's edit distance cannot connect to the new ones. */
const RENAMED: Record<string, string> = { lr: 'learning_rate', nb_epoch: 'epochs', output_dim: 'units', init: 'kernel_initializer' };

function decode(seg: string): string {
  return seg.replace(/~1/g, '/').replace(/~0/g, '~');
}

function translate(item: Item, norm: Normalized, sections: Record<string, string[]>): Problem {
  const ptr = item.instancePath;
  const info = nearest(norm, ptr);
  const path = info?.path || pathFromPointer(ptr);
  const label = lastSegment(path);
  const valueLoc = info?.value;
  const keyLoc = info?.key ?? info?.value;
  // The user's path, unless the message already names it (or it is the top level).
  const at = (message: string, loc: SourceLocation | undefined): Problem => ({ message: path && !message.includes(path) ? `${message} (at ${path})` : message, loc });

  if (item.keyword === '$mismatch') {
    const m = item as Mismatch;
    const strings = m.values.filter((v): v is string => typeof v === 'string');
    const hint = typeof m.data === 'string' && strings.length > 0 ? suggestOnce(m.data, strings) : '';
    if (hint) return at(`unknown ${label} ${JSON.stringify(m.data)}${hint}`, valueLoc);
    return at(`"${label}" must be ${expected(m.types, m.values)}, got ${describeValue(m.data)}`, valueLoc);
  }
  const e = item as ErrorObject;
  const data = e.data;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const child = norm.locs.get(`${ptr}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      const candidates = Object.keys((e.parentSchema?.properties ?? {}) as object);
      const entry = norm.entries.get(ptr);
      const loc = child?.key ?? child?.value ?? keyLoc;
      const renamed = RENAMED[key];
      const suggestion = renamed && candidates.includes(renamed)
        ? `; did you mean "${renamed}"? ("${key}" is its old Keras name)`
        : suggestOnce(key, candidates);
      const kerasOnly = entry?.kind === 'layer' ? unsupportedOf(entry.name)[key] : undefined;
      if (entry && kerasOnly) return at(unsupportedArgMessage(entry.name, key, (data as Record<string, unknown>)[key], kerasOnly), loc);
      if (entry) return at(`${entry.name} has no argument "${key}"${suggestion}`, loc);
      const section = ptr === '' ? undefined : decode(ptr.slice(1));
      const home = Object.entries(sections).find(([s, keys]) => s !== section && keys.includes(key))?.[0];
      const where = ptr === '' ? 'unknown top-level key' : `unknown key`;
      const inWhat = ptr === '' ? '' : ` in ${path}`;
      const tail = suggestion || (home ? `; it belongs under "${home}:"` : `; expected one of ${quoteList(candidates)}`);
      return at(`${where} "${key}"${inWhat}${tail}`, loc);
    }
    case 'required': {
      const missing = String(e.params.missingProperty);
      const entry = norm.entries.get(ptr);
      if (entry) return at(`${entry.name} is missing required argument "${missing}"`, keyLoc);
      if (ptr === '') return at(`missing required top-level key "${missing}"`, keyLoc);
      return at(`${path} is missing required key "${missing}"`, keyLoc);
    }
    case 'type': {
      const t = e.params.type as string | string[];
      return at(`"${label}" must be ${expected(Array.isArray(t) ? t : [t], [])}, got ${describeValue(data)}`, valueLoc);
    }
    case 'enum':
    case 'not': {
      const unsupported = (e.parentSchema as { 'x-kerats-unsupported'?: string } | undefined)?.['x-kerats-unsupported'];
      const owner = norm.entries.get(ptr.slice(0, ptr.lastIndexOf('/')));
      if (unsupported !== undefined && owner) {
        const accepted = e.keyword === 'enum' ? e.params.allowedValues as unknown[] : [];
        return at(unsupportedArgMessage(owner.name, label, data, { accepted, reason: unsupported }), keyLoc);
      }
      if (e.keyword === 'not') return at(`"${label}" is not allowed here, got ${describeValue(data)}`, valueLoc);
      const allowed = e.params.allowedValues as unknown[];
      const hint = typeof data === 'string' ? suggestOnce(data, allowed.filter((v): v is string => typeof v === 'string')) : '';
      if (hint) return at(`unknown ${label} ${JSON.stringify(data)}${hint}`, valueLoc);
      return at(`"${label}" must be ${expected([], allowed)}, got ${describeValue(data)}`, valueLoc);
    }
    case 'const':
      return at(`"${label}" must be ${JSON.stringify(e.params.allowedValue)}, got ${describeValue(data)}`, valueLoc);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return at(`"${label}" must be ${String(e.params.comparison)} ${String(e.params.limit)}, got ${describeValue(data)}`, valueLoc);
    case 'minItems':
    case 'maxItems': {
      const n = Number(e.params.limit);
      const word = e.keyword === 'minItems' ? 'at least' : 'at most';
      const got = Array.isArray(data) ? data.length : 0;
      return at(`"${label}" must have ${word} ${n} item${n === 1 ? '' : 's'}, got ${got}`, valueLoc);
    }
    case 'minLength':
      return at(Number(e.params.limit) <= 1 ? `"${label}" must not be empty` : `"${label}" must be at least ${String(e.params.limit)} characters long`, valueLoc);
    case 'uniqueItems':
      return at(`"${label}" lists the same value twice (items ${String(e.params.j)} and ${String(e.params.i)})`, valueLoc);
    case 'oneOf':
      return at(`"${label}" matches more than one allowed form; make it unambiguous`, valueLoc);
    default:
      return at(`"${label}" ${e.message ?? 'is not valid'}, got ${describeValue(data)}`, valueLoc);
  }
}

/** "one of "a", "b" or a number". */
function expected(types: string[], values: unknown[]): string {
  const parts: string[] = [];
  const uniqueValues = [...new Set(values.map((v) => JSON.stringify(v)))];
  if (uniqueValues.length === 1) parts.push(uniqueValues[0] as string);
  else if (uniqueValues.length > 1) {
    const shown = uniqueValues.slice(0, 25).join(', ');
    parts.push(`one of ${shown}${uniqueValues.length > 25 ? `, ... (${uniqueValues.length} in all)` : ''}`);
  }
  for (const t of new Set(types)) parts.push(TYPE_WORDS[t] ?? t);
  if (parts.length <= 1) return parts[0] ?? 'valid';
  return `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
}

function quoteList(names: string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

function nearest(norm: Normalized, ptr: string): ReturnType<Normalized['locs']['get']> {
  let p = ptr;
  for (;;) {
    const info = norm.locs.get(p);
    if (info || p === '') return info;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

function pathFromPointer(ptr: string): string {
  return ptr
    .split('/')
    .slice(1)
    .map(decode)
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function lastSegment(path: string): string {
  const i = path.lastIndexOf('.');
  return i < 0 ? path : path.slice(i + 1);
}
