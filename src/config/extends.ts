/**
 * `extends: base.yaml` (or a list of files): the config starts from its bases and overrides them.
 *
 * Merge rule (README, "Sharing settings: extends"): maps merge key by key, recursively; lists and
 * scalars replace whole (a config's `model.layers` replaces the base's, it is not appended to).
 * A one-key named entry (`optimizer: {SGD: {...}}`) over a different one (`{Adam: {...}}`) replaces it.
 * With several bases, later ones override earlier ones, and the config itself overrides them all.
 * Base paths are relative to the file that names them. Every value keeps the location of the file
 * it came from, so an error in a base points at the base's line:col. Cycles are refused.
 */
import * as path from 'node:path';
import { readBoundedText } from '../util/bounded-read.js';
import { ConfigError } from '../util/errors.js';
import type { SourceLocation } from './types.js';
import { inputLimits } from './limits.js';
import type { LEntry, LMap, LNode } from './locate.js';
import { parseConfigText } from './parse.js';
import { findLayer } from './schema.js';
import { callbacks } from '../registry/callbacks.js';
import { optimizers } from '../registry/optimizers.js';
import type { RegistryEntry } from '../registry/types.js';

/** How deep `extends` chains may go: far past any sane use, short of a runaway. */
const MAX_DEPTH = 32;

/** Reads the text of `abs` (named as `given` at `loc`); injectable for tests. */
export type ReadText = (abs: string, given: string, loc: SourceLocation) => string;

/** A base is bounded like the config itself: a regular file, at most KERATS_MAX_CONFIG_BYTES. */
const readBase: ReadText = (abs, given, loc) =>
  readBoundedText(abs, { what: 'base config', shown: given, resolved: abs, maxBytes: inputLimits().bytes, loc });

/**
 * Resolves `extends` in `root` (parsed from `absFile`): returns the merged tree without the
 * `extends` key. `chain` holds the files being resolved above this one, for cycle detection.
 */
export function resolveExtends(root: LNode, absFile: string, read: ReadText = readBase, chain: string[] = []): LNode {
  if (root.kind !== 'map') return root;
  const ext = root.entries.find((e) => e.key === 'extends');
  if (!ext) return root;
  const own: LMap = { ...root, entries: root.entries.filter((e) => e !== ext) };
  const items = ext.value.kind === 'seq' ? ext.value.items : [ext.value];
  let base: LNode | undefined;
  for (const item of items) {
    if (item.kind !== 'scalar' || typeof item.value !== 'string' || item.value.trim() === '') {
      throw new ConfigError({ message: '"extends" must be a file name or a list of file names, like extends: base.yaml', loc: item.loc });
    }
    const given = item.value;
    const abs = path.resolve(path.dirname(absFile), given);
    const stack = [...chain, absFile];
    if (stack.includes(abs)) {
      const cycle = [...stack.slice(stack.indexOf(abs)), abs].map((f) => path.basename(f)).join(' → ');
      throw new ConfigError({ message: `"extends" makes a cycle: ${cycle}; remove one of these extends`, loc: item.loc });
    }
    if (stack.length > MAX_DEPTH) throw new ConfigError({ message: `"extends" chains more than ${MAX_DEPTH} files deep`, loc: item.loc });
    const text = read(abs, given, item.loc);
    // The base's own locations use its path as the user would see it: relative to the cwd.
    const shown = path.relative(process.cwd(), abs) || abs;
    const parsed = resolveExtends(parseConfigText(text.replace(/^\uFEFF/, ''), shown), abs, read, stack);
    if (parsed.kind !== 'map') {
      const found = parsed.kind === 'seq' ? 'a list' : `a single ${parsed.value === null ? 'empty value' : typeof parsed.value === 'string' ? `text value (${JSON.stringify(parsed.value.slice(0, 40))}${parsed.value.length > 40 ? '…' : ''})` : 'value'}`;
      throw new ConfigError({ message: `base config "${given}" is not a map of settings: it holds ${found}; extends needs a YAML/JSON config file (keys like model:, fit:)`, loc: item.loc });
    }
    base = base === undefined ? parsed : mergeNodes(base, parsed);
  }
  return base === undefined ? own : mergeNodes(base, own);
}

/** `over` on top of `base`: maps merge key by key, anything else replaces. */
function entryOf(name: string): RegistryEntry | undefined {
  return findLayer(name) ?? optimizers.find(name) ?? callbacks.find(name);
}
const isEntryName = (name: string): boolean => entryOf(name) !== undefined;
const canonical = (name: string): string => entryOf(name)?.name ?? name;

export function mergeNodes(base: LNode, over: LNode): LNode {
  if (base.kind !== 'map' || over.kind !== 'map') return over;
  // `optimizer: {SGD: {...}}` over `{Adam: {...}}` switches the optimizer; merging would give two.
  const b0 = base.entries[0];
  const o0 = over.entries[0];
  if (base.entries.length === 1 && over.entries.length === 1 && b0 && o0 && isEntryName(b0.key) && isEntryName(o0.key)) {
    if (canonical(b0.key) !== canonical(o0.key)) return over;
    return { ...over, entries: [{ ...o0, value: mergeNodes(b0.value, o0.value) }] };
  }
  const entries: LEntry[] = base.entries.map((e) => ({ ...e }));
  for (const e of over.entries) {
    const i = entries.findIndex((b) => b.key === e.key);
    const existing = i >= 0 ? entries[i] : undefined;
    if (existing) entries[i] = { ...e, value: mergeNodes(existing.value, e.value) };
    else entries.push(e);
  }
  return { ...over, entries };
}
