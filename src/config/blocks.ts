/**
 * Reusable blocks: a named list of layers with parameters, defined once under `blocks:` and used
 * in `model.layers` (or a `models:` entry) like a layer:
 *
 *   blocks:
 *     TransformerBlock:
 *       params: [embed_dim, num_heads, ff_dim, {rate: 0.1}]   # {name: default} for optional ones
 *       layers:
 *         - MultiHeadAttention: {num_heads: "${num_heads}", key_dim: "${embed_dim // num_heads}", inputs: [input, input]}
 *         ...
 *   model:
 *     layers:
 *       - TransformerBlock: {embed_dim: 128, num_heads: 8, ff_dim: 512}
 *
 * Expansion happens on the located tree, before normalisation, so the expanded layers are checked
 * like hand-written ones and every problem still points at the user's text (inside the block
 * definition for a bad layer, at the instance for a bad parameter).
 *
 * Inside a block, `inputs` may name the block's inputs (`input` unless the block declares
 * `inputs: [a, b]`) and the block's own layers by their local names. Each instance prefixes its
 * layers' names with its own name (`transformer_block_1_attention`); its last layer takes the
 * instance's name, so later layers refer to the instance by name. `#N` refers to the N-th entry
 * of the expanded list (internal; how a block reaches "the previous layer" when it has no name).
 *
 * A block may use other blocks among its layers; the outer block's `${...}` are substituted first,
 * so its parameters pass through (`- FeedForward: {units: "${ff_dim}"}`), and the inner instance's
 * layers are named inside the outer instance (`encoder_ff_dense`; an unnamed inner instance is
 * `<outer>_<inner_block>`). A block that uses itself, directly or through others, is an error
 * naming the cycle, at the use that closes it.
 */
import type { Problem } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { evaluate, ExprError, namesIn, UnknownName, type ExprValue } from './expr.js';
import type { LEntry, LMap, LNode, LScalar, LSeq } from './locate.js';
import { findLayer } from './schema.js';
import type { SourceLocation } from './types.js';

interface BlockDef {
  name: string;
  params: { name: string; default?: ExprValue }[];
  inputs: string[];
  layers: LNode[];
  loc: SourceLocation;
}

const WHOLE = /^\$\{([^}]*)\}$/;
const PART = /\$\{([^}]*)\}/g;
const isEnvName = (n: string): boolean => /^[A-Z_][A-Z0-9_]*$/.test(n);

/** `TransformerBlock` → `transformer_block` (Keras's layer-name rule). */
function snake(name: string): string {
  return name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

const mapGet = (m: LMap, key: string): LEntry | undefined => m.entries.find((e) => e.key === key);
const scalar = (value: LScalar['value'], loc: SourceLocation): LScalar => ({ kind: 'scalar', value, loc });

function readBlocks(root: LMap, problems: Problem[]): Map<string, BlockDef> {
  const defs = new Map<string, BlockDef>();
  const section = mapGet(root, 'blocks');
  if (!section || section.value.kind !== 'map') return defs;
  for (const e of section.value.entries) {
    const v = e.value;
    if (v.kind !== 'map') continue; // the schema reports the shape
    if (findLayer(e.key)) {
      problems.push({ message: `block "${e.key}" has the name of a built-in layer; rename the block (e.g. "My${e.key}")`, loc: e.keyLoc });
      continue;
    }
    const params: BlockDef['params'] = [];
    const p = mapGet(v, 'params')?.value;
    const addParam = (n: string, def?: ExprValue): void => { params.push(def === undefined ? { name: n } : { name: n, default: def }); };
    if (p?.kind === 'seq') {
      for (const it of p.items) {
        if (it.kind === 'scalar' && typeof it.value === 'string') addParam(it.value);
        else if (it.kind === 'map' && it.entries.length === 1 && it.entries[0]?.value.kind === 'scalar') {
          const d = it.entries[0].value.value;
          addParam(it.entries[0].key, d === null ? undefined : d);
        }
      }
    } else if (p?.kind === 'map') {
      for (const pe of p.entries) addParam(pe.key, pe.value.kind === 'scalar' && pe.value.value !== null ? pe.value.value : undefined);
    }
    const ins = mapGet(v, 'inputs')?.value;
    const inputs = ins?.kind === 'seq' ? ins.items.flatMap((i) => (i.kind === 'scalar' && typeof i.value === 'string' ? [i.value] : []))
      : ins?.kind === 'scalar' && typeof ins.value === 'string' ? [ins.value] : ['input'];
    const layers = mapGet(v, 'layers')?.value;
    defs.set(e.key, { name: e.key, params, inputs, layers: layers?.kind === 'seq' ? layers.items : [], loc: e.keyLoc });
  }
  return defs;
}

/** Replaces `${expr}` in every string of `node` with its value under `params`. */
function substitute(node: LNode, params: Record<string, ExprValue>, block: BlockDef, problems: Problem[]): LNode {
  if (node.kind === 'map') return { ...node, entries: node.entries.map((e) => ({ ...e, value: substitute(e.value, params, block, problems) })) };
  if (node.kind === 'seq') return { ...node, items: node.items.map((i) => substitute(i, params, block, problems)) };
  if (typeof node.value !== 'string' || !node.value.includes('${')) return node;
  const calc = (expr: string): ExprValue | undefined => {
    const names = namesIn(expr);
    // `${EPOCHS}` and other upper-case names are environment variables, not block parameters.
    if (names.length > 0 && names.every((n) => isEnvName(n) && !Object.prototype.hasOwnProperty.call(params, n))) return undefined;
    try {
      return evaluate(expr, params);
    } catch (e) {
      const known = block.params.map((q) => q.name);
      const msg = e instanceof UnknownName
        ? `block "${block.name}": unknown parameter "${e.param}" in "\${${expr}}"${didYouMean(e.param, known)}; its parameters are ${known.map((k) => `"${k}"`).join(', ') || 'none'}`
        : `block "${block.name}": ${e instanceof ExprError ? e.message : String(e)}`;
      problems.push({ message: msg, loc: node.loc });
      return undefined;
    }
  };
  const whole = WHOLE.exec(node.value);
  if (whole) {
    const v = calc(whole[1] ?? '');
    return v === undefined ? node : { ...node, value: v };
  }
  return { ...node, value: node.value.replace(PART, (all: string, expr: string) => { const v = calc(expr); return v === undefined ? all : String(v); }) };
}

/** Rewrites a block layer's `name` and `inputs` into the instance's namespace. */
function rewriteRefs(layer: LNode, rename: (ref: string, loc: SourceLocation) => LScalar): LNode {
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
function setArg(layer: LNode, key: string, value: LNode, loc: SourceLocation): LNode {
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

function argOf(layer: LNode, key: string): LNode | undefined {
  if (layer.kind !== 'map' || layer.entries.length !== 1) return undefined;
  const args = (layer.entries[0] as LEntry).value;
  return args.kind === 'map' ? mapGet(args, key)?.value : undefined;
}

/** The block a layer-list item instantiates, if any: `- Name: {...}` or a bare `- Name`. */
function blockOf(item: LNode, defs: Map<string, BlockDef>): { def: BlockDef; key?: LEntry; loc: SourceLocation } | undefined {
  const key = item.kind === 'map' && item.entries.length === 1 ? (item.entries[0] as LEntry) : undefined;
  const bare = item.kind === 'scalar' && typeof item.value === 'string' ? item.value : undefined;
  const def = defs.get(key?.key ?? bare ?? '');
  if (!def) return undefined;
  return key ? { def, key, loc: key.keyLoc } : { def, loc: item.loc };
}

/**
 * Blocks that use themselves, directly or through other blocks: one problem per cycle, at the use
 * that closes it. Returns the names of the blocks on a cycle (their instances are not expanded).
 */
function findCycles(defs: Map<string, BlockDef>, problems: Problem[]): Set<string> {
  const state = new Map<string, 1 | 2>();
  const cyclic = new Set<string>();
  const path: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 1);
    path.push(name);
    for (const l of defs.get(name)?.layers ?? []) {
      const used = blockOf(l, defs);
      if (!used) continue;
      const u = used.def.name;
      if (state.get(u) === 1) {
        const cycle = [...path.slice(path.indexOf(u)), u];
        cycle.forEach((c) => cyclic.add(c));
        const how = cycle.length === 2 ? 'uses itself' : `uses itself through ${cycle.slice(1, -1).map((c) => `"${c}"`).join(', ')}`;
        problems.push({
          message: `block "${u}" ${how}: ${cycle.join(' → ')}; a block cannot contain itself — remove this use of "${u}" from block "${name}"`,
          loc: used.loc,
        });
      } else if (state.get(u) === undefined) visit(u);
    }
    path.pop();
    state.set(name, 2);
  };
  for (const name of defs.keys()) if (!state.has(name)) visit(name);
  return cyclic;
}

interface Expansion {
  defs: Map<string, BlockDef>;
  problems: Problem[];
  /** Default instance names used so far, by base name (`transformer_block` → 2). */
  counters: Map<string, number>;
  /** Blocks on a cycle (already reported): never expanded. */
  cyclic: Set<string>;
}

/** Expands the block instances of one layer list. */
function expandList(list: LSeq, x: Expansion): LSeq {
  const out: LNode[] = [];
  expandItems(list.items, out, x, '');
  return { ...list, items: out };
}

/**
 * Appends `items` to `out` with every block instance replaced by its layers (recursively: blocks
 * inside blocks). `prefix` names unnamed instances inside an outer instance.
 */
function expandItems(items: LNode[], out: LNode[], x: Expansion, prefix: string): void {
  const { defs, problems, counters } = x;
  for (const item of items) {
    const used = blockOf(item, defs);
    if (!used) { out.push(item); continue; }
    const { def, key } = used;
    if (x.cyclic.has(def.name)) continue;
    const instLoc = key?.keyLoc ?? item.loc;
    const args = key?.value.kind === 'map' ? key.value.entries : [];
    const params: Record<string, ExprValue> = {};
    for (const p of def.params) if (p.default !== undefined) params[p.name] = p.default;
    let instName: string | undefined;
    let instInputs: LScalar[] | undefined;
    for (const a of args) {
      if (a.key === 'name' && a.value.kind === 'scalar' && typeof a.value.value === 'string') instName = a.value.value;
      else if (a.key === 'inputs') {
        const v = a.value;
        instInputs = v.kind === 'seq' ? v.items.filter((i): i is LScalar => i.kind === 'scalar') : v.kind === 'scalar' ? [v] : [];
      } else if (def.params.some((p) => p.name === a.key)) {
        if (a.value.kind !== 'scalar' || a.value.value === null) {
          problems.push({ message: `block "${def.name}": parameter "${a.key}" must be a number or a string, got ${a.value.kind === 'seq' ? 'a list' : a.value.kind === 'map' ? 'a map' : 'nothing'}`, loc: a.value.loc });
        } else params[a.key] = a.value.value;
      } else {
        const known = [...def.params.map((p) => p.name), 'name', 'inputs'];
        problems.push({ message: `block "${def.name}" has no parameter "${a.key}"${didYouMean(a.key, known)}; its parameters are ${def.params.map((p) => `"${p.name}"`).join(', ') || 'none'}`, loc: a.keyLoc });
      }
    }
    if (key && key.value.kind !== 'map' && !(key.value.kind === 'scalar' && key.value.value === null)) {
      problems.push({ message: `block "${def.name}" takes its parameters as a map, e.g. {${def.params.map((p) => `${p.name}: ...`).join(', ')}}`, loc: key.value.loc });
      continue;
    }
    const missing = def.params.filter((p) => !(p.name in params)).map((p) => p.name);
    if (missing.length > 0) {
      problems.push({
        message: `block "${def.name}" is missing parameter${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}; ` +
          `write e.g. - ${def.name}: {${def.params.map((p) => `${p.name}: ...`).join(', ')}}`,
        loc: instLoc,
      });
      continue;
    }
    if (def.layers.length === 0) {
      problems.push({ message: `block "${def.name}" has no layers; add them under blocks.${def.name}.layers`, loc: def.loc });
      continue;
    }
    if (instName === undefined) {
      const base = `${prefix}${snake(def.name)}`;
      const n = counters.get(base) ?? 0;
      counters.set(base, n + 1);
      instName = n === 0 ? base : `${base}_${n}`;
    }
    if (instInputs && instInputs.length !== def.inputs.length) {
      problems.push({ message: `block "${def.name}" takes ${def.inputs.length} input${def.inputs.length > 1 ? 's' : ''} (${def.inputs.join(', ')}), got ${instInputs.length}`, loc: instLoc });
      continue;
    }
    // The block's input: the instance's `inputs`, or else what precedes the instance (#N).
    const prevRef = out.length === 0 ? '#0' : `#${out.length}`;
    const inputRef = (i: number, loc: SourceLocation): LScalar => {
      const given = instInputs?.[i];
      return given ? { ...given } : scalar(prevRef, loc);
    };
    const localNames = new Set<string>();
    for (const l of def.layers) {
      const n = argOf(l, 'name');
      if (n?.kind === 'scalar' && typeof n.value === 'string') localNames.add(n.value);
    }
    const lastLocal = argOf(def.layers[def.layers.length - 1] as LNode, 'name');
    const lastName = lastLocal?.kind === 'scalar' && typeof lastLocal.value === 'string' ? lastLocal.value : undefined;
    const name = instName;
    const rename = (ref: string, loc: SourceLocation): LScalar => {
      const inIdx = def.inputs.indexOf(ref);
      if (inIdx >= 0 && !localNames.has(ref)) return inputRef(inIdx, loc);
      if (ref === lastName) return scalar(name, loc);
      if (localNames.has(ref)) return scalar(`${name}_${ref}`, loc);
      return scalar(ref, loc); // a layer outside the block, referred to by its global name
    };
    const layers = def.layers.map((l, i) => {
      let layer = rewriteRefs(substitute(l, params, def, problems), rename);
      if (i === 0 && argOf(layer, 'inputs') === undefined) {
        const refs = def.inputs.map((_, k) => inputRef(k, instLoc));
        layer = setArg(layer, 'inputs', refs.length === 1 ? (refs[0] as LScalar) : { kind: 'seq', items: refs, loc: instLoc }, instLoc);
      }
      if (i === def.layers.length - 1) layer = setArg(layer, 'name', scalar(name, instLoc), instLoc);
      return layer;
    });
    // Blocks used inside this block expand in place, named inside this instance.
    expandItems(layers, out, x, `${name}_`);
  }
}

/** Expands every block instance in `model.layers` and `models.*.layers`; problems for misuse. */
export function expandBlocks(root: LNode): { root: LNode; problems: Problem[] } {
  const problems: Problem[] = [];
  if (root.kind !== 'map') return { root, problems };
  const defs = readBlocks(root, problems);
  if (defs.size === 0) return { root, problems };
  const x: Expansion = { defs, problems, counters: new Map<string, number>(), cyclic: findCycles(defs, problems) };
  const expandModel = (m: LNode): LNode => {
    if (m.kind !== 'map') return m;
    return { ...m, entries: m.entries.map((e) => (e.key === 'layers' && e.value.kind === 'seq' ? { ...e, value: expandList(e.value, x) } : e)) };
  };
  const entries = root.entries.map((e): LEntry => {
    if (e.key === 'model') return { ...e, value: expandModel(e.value) };
    if (e.key === 'models' && e.value.kind === 'map') return { ...e, value: { ...e.value, entries: e.value.entries.map((m) => ({ ...m, value: expandModel(m.value) })) } };
    return e;
  });
  return { root: { ...root, entries }, problems };
}
