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
 *
 * A block reads its tensors' shapes as Keras code does (`${input.shape[-1]}`, `${len(input.shape)}`,
 * also a local layer's `proj.shape[-1]`): those expressions wait for shape inference (deferred.ts)
 * and the model builder computes them. A parameter may be a layer or a block, used as an item of
 * the block's layers (`- ${norm}`, or `- ${norm}: {name: ln1}` to add arguments), like a Python
 * function that receives a layer factory.
 *
 * Every expanded layer remembers its block origin (block-origin.ts), so errors about it name the
 * block definition's line and each use site instead of its index after expansion.
 */
import type { Problem } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { describeUses, flowText, type BlockOrigin, type BlockUse } from './block-origin.js';
import { applyLayerParam, isLayerParam, layerParamRef, substitute, takeDeferred, type Bound, type DeferredScalar, type LayerParam, type Scope } from './block-substitute.js';
import { argOf, mapGet, rewriteRefs, scalar, setArg } from './block-tree.js';
import type { DeferredArg } from './deferred.js';
import type { ExprValue } from './expr.js';
import { childPath, pointerSegment, type LEntry, type LMap, type LNode, type LScalar } from './locate.js';
import { findLayer } from './schema.js';
import { layers as layerRegistry } from '../registry/layers/index.js';
import type { SourceLocation } from './types.js';


interface BlockDef {
  name: string;
  params: { name: string; default?: ExprValue | LayerParam }[];
  /** Parameters used as layers (`- ${norm}`): their values must be layers or blocks. */
  layerParams: Map<string, string>;
  inputs: string[];
  layers: LNode[];
  loc: SourceLocation;
}


/** Expansions nest at most this deep: a block passed to itself as a parameter would never end. */
const MAX_DEPTH = 32;


/** `TransformerBlock` → `transformer_block` (Keras's layer-name rule). */
function snake(name: string): string {
  return name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}


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
    // A default is a value, or (a map) a layer spec: `{norm: {LayerNormalization: {epsilon: 1.0e-6}}}`.
    const defaultOf = (d: LNode): ExprValue | LayerParam | undefined =>
      d.kind === 'scalar' ? (d.value === null ? undefined : d.value) : d.kind === 'map' ? { layer: d } : undefined;
    const addParam = (n: string, def?: ExprValue | LayerParam): void => { params.push(def === undefined ? { name: n } : { name: n, default: def }); };
    if (p?.kind === 'seq') {
      for (const it of p.items) {
        if (it.kind === 'scalar' && typeof it.value === 'string') addParam(it.value);
        else if (it.kind === 'map' && it.entries.length === 1) addParam((it.entries[0] as LEntry).key, defaultOf((it.entries[0] as LEntry).value));
      }
    } else if (p?.kind === 'map') {
      for (const pe of p.entries) addParam(pe.key, defaultOf(pe.value));
    }
    const ins = mapGet(v, 'inputs')?.value;
    const inputs = ins?.kind === 'seq' ? ins.items.flatMap((i) => (i.kind === 'scalar' && typeof i.value === 'string' ? [i.value] : []))
      : ins?.kind === 'scalar' && typeof ins.value === 'string' ? [ins.value] : ['input'];
    const layers = mapGet(v, 'layers')?.value;
    const items = layers?.kind === 'seq' ? layers.items : [];
    const layerParams = new Map<string, string>();
    items.forEach((l, i) => {
      const ref = layerParamRef(l);
      if (ref !== undefined) layerParams.set(ref, childPath(`blocks.${e.key}.layers`, i));
    });
    defs.set(e.key, { name: e.key, params, layerParams, inputs, layers: items, loc: e.keyLoc });
  }
  return defs;
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

/** The expanded list, and for each expanded item that came from a block: where from. */
interface Expanded {
  out: LNode[];
  origins: (BlockOrigin | undefined)[];
}

/** A block-layer item of the expanded list waiting to be pushed: its definition path and the uses above it. */
interface Pending {
  node: LNode;
  /** The item as the user wrote it (before substitution), for quoting a use of a block. */
  source?: LNode;
  origin?: BlockOrigin;
}

/** What is wrong with `value` as a layer parameter (a layer name, a block name or a one-key layer spec), if anything. */
function notALayer(value: LNode, defs: Map<string, BlockDef>): string | undefined {
  const name = value.kind === 'scalar' && typeof value.value === 'string' ? value.value
    : value.kind === 'map' && value.entries.length === 1 ? (value.entries[0] as LEntry).key : undefined;
  if (name !== undefined && (findLayer(name) || defs.has(name))) return undefined;
  if (name === undefined) return `${flowText(value)} is not a layer; write a layer name (LayerNormalization), a layer with arguments ({Dropout: {rate: 0.1}}) or a block's name`;
  return `"${name}" is not a layer or a block${didYouMean(name, [...layerRegistry.names(), ...defs.keys()])}; write a layer name (LayerNormalization), a layer with arguments ({Dropout: {rate: 0.1}}) or a block's name`;
}

/**
 * Appends `items` to `x.out` with every block instance replaced by its layers (recursively: blocks
 * inside blocks). `prefix` names unnamed instances inside an outer instance; `uses` are the
 * instances being expanded, outermost first.
 */
function expandItems(items: Pending[], ex: Expanded, x: Expansion, prefix: string, uses: BlockUse[]): void {
  const { defs, problems, counters } = x;
  const { out } = ex;
  const where = uses.length > 0 ? ` (${describeUses(uses)})` : '';
  for (const { node: item, source, origin } of items) {
    const used = blockOf(item, defs);
    if (!used) { out.push(item); ex.origins.push(origin); continue; }
    const { def, key } = used;
    if (x.cyclic.has(def.name)) continue;
    const instLoc = key?.keyLoc ?? item.loc;
    if (uses.length >= MAX_DEPTH) {
      problems.push({ message: `block "${def.name}": blocks nest more than ${MAX_DEPTH} levels deep (is a block passed to itself as a parameter?)${where}`, loc: instLoc });
      continue;
    }
    const args = key?.value.kind === 'map' ? key.value.entries : [];
    const params: Record<string, Bound> = {};
    for (const p of def.params) if (p.default !== undefined) params[p.name] = p.default;
    let instName: string | undefined;
    let instInputs: LScalar[] | undefined;
    for (const a of args) {
      if (a.key === 'name' && a.value.kind === 'scalar' && typeof a.value.value === 'string') instName = a.value.value;
      else if (a.key === 'inputs') {
        const v = a.value;
        instInputs = v.kind === 'seq' ? v.items.filter((i): i is LScalar => i.kind === 'scalar') : v.kind === 'scalar' ? [v] : [];
      } else if (def.params.some((p) => p.name === a.key)) {
        const layerUse = def.layerParams.get(a.key);
        if (layerUse !== undefined) {
          // A layer parameter: a layer or block name, or a one-key layer spec.
          const bad = notALayer(a.value, defs);
          if (bad) problems.push({ message: `block "${def.name}": parameter "${a.key}" is used as a layer (${layerUse}), but ${bad}${where}`, loc: a.value.loc });
          else params[a.key] = { layer: a.value };
        } else if (a.value.kind !== 'scalar' || a.value.value === null) {
          problems.push({ message: `block "${def.name}": parameter "${a.key}" must be a number or a string, got ${a.value.kind === 'seq' ? 'a list' : a.value.kind === 'map' ? 'a map' : 'nothing'}${a.value.kind === 'map' ? ` (a layer? use "${a.key}" as an item of the block's layers: - \${${a.key}})` : ''}${where}`, loc: a.value.loc });
        } else params[a.key] = (a.value as DeferredScalar).deferred ?? a.value.value;
      } else {
        const known = [...def.params.map((p) => p.name), 'name', 'inputs'];
        problems.push({ message: `block "${def.name}" has no parameter "${a.key}"${didYouMean(a.key, known)}; its parameters are ${def.params.map((p) => `"${p.name}"`).join(', ') || 'none'}${where}`, loc: a.keyLoc });
      }
    }
    // A layer parameter's default must be a layer too (checked where it is used: the block may never be).
    for (const [pname, use] of def.layerParams) {
      const v = params[pname];
      if (v !== undefined && !isLayerParam(v)) {
        const bad = notALayer(scalar(v as ExprValue, instLoc), defs);
        if (bad) problems.push({ message: `block "${def.name}": parameter "${pname}" is used as a layer (${use}), but ${bad}${where}`, loc: def.loc });
        else params[pname] = { layer: scalar(v as ExprValue, def.loc) };
      }
    }
    if (key && key.value.kind !== 'map' && !(key.value.kind === 'scalar' && key.value.value === null)) {
      problems.push({ message: `block "${def.name}" takes its parameters as a map, e.g. {${def.params.map((p) => `${p.name}: ...`).join(', ')}}${where}`, loc: key.value.loc });
      continue;
    }
    const missing = def.params.filter((p) => !(p.name in params)).map((p) => p.name);
    if (missing.length > 0) {
      problems.push({
        message: `block "${def.name}" is missing parameter${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}; ` +
          `write e.g. - ${def.name}: {${def.params.map((p) => `${p.name}: ...`).join(', ')}}${where}`,
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
      problems.push({ message: `block "${def.name}" takes ${def.inputs.length} input${def.inputs.length > 1 ? 's' : ''} (${def.inputs.join(', ')}), got ${instInputs.length}${where}`, loc: instLoc });
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
    const use: BlockUse = { block: def.name, instance: name, loc: instLoc, text: flowText(source ?? item) };
    const inner = [...uses, use];
    const sc: Scope = {
      params,
      block: def,
      tensor: (t, loc) => String(rename(t, loc).value),
      tensorNames: [...def.inputs, ...localNames],
      where: ` (${describeUses(inner)})`,
    };
    const layers = def.layers.map((l, i): Pending => {
      let layer = rewriteRefs(substitute(applyLayerParam(l, params), sc, problems), rename);
      if (i === 0 && argOf(layer, 'inputs') === undefined) {
        // Inputs the block adds are located at its first layer's line: an error calling that layer is about it.
        const at = l.kind === 'map' && l.entries.length === 1 ? (l.entries[0] as LEntry).keyLoc : l.loc;
        const refs = def.inputs.map((_, k) => inputRef(k, at));
        layer = setArg(layer, 'inputs', refs.length === 1 ? (refs[0] as LScalar) : { kind: 'seq', items: refs, loc: at }, at);
      }
      if (i === def.layers.length - 1) layer = setArg(layer, 'name', scalar(name, instLoc), instLoc);
      const defLoc = l.kind === 'map' && l.entries.length === 1 ? (l.entries[0] as LEntry).keyLoc : l.loc;
      return { node: layer, source: l, origin: { defPath: childPath(`blocks.${def.name}.layers`, i), defLoc, uses: inner } };
    });
    // Blocks used inside this block expand in place, named inside this instance.
    expandItems(layers, ex, x, `${name}_`, inner);
  }
}

/** What expansion hands on: the located tree without blocks, and per expanded layer its origin and waiting arguments. */
export interface BlockExpansion {
  root: LNode;
  problems: Problem[];
  /** By layer pointer (`/model/layers/36`): the block layer it came from. */
  origins: Map<string, BlockOrigin>;
  /** By layer pointer: arguments computed from shapes when the model is built. */
  deferred: Map<string, DeferredArg[]>;
}

/** Expands every block instance in `model.layers` and `models.*.layers`; problems for misuse. */
export function expandBlocks(root: LNode): BlockExpansion {
  const problems: Problem[] = [];
  const origins = new Map<string, BlockOrigin>();
  const deferred = new Map<string, DeferredArg[]>();
  const done = (r: LNode): BlockExpansion => ({ root: r, problems, origins, deferred });
  if (root.kind !== 'map') return done(root);
  const defs = readBlocks(root, problems);
  if (defs.size === 0) return done(root);
  const x: Expansion = { defs, problems, counters: new Map<string, number>(), cyclic: findCycles(defs, problems) };
  const expandModel = (m: LNode, ptr: string): LNode => {
    if (m.kind !== 'map') return m;
    return {
      ...m,
      entries: m.entries.map((e) => {
        if (e.key !== 'layers' || e.value.kind !== 'seq') return e;
        const ex: Expanded = { out: [], origins: [] };
        expandItems(e.value.items.map((node) => ({ node })), ex, x, '', []);
        ex.out.forEach((layer, i) => {
          const o = ex.origins[i];
          if (o) origins.set(`${ptr}/layers/${i}`, o);
          // Copies: the same block layer node may be shared by several instances.
          const args = takeDeferred(layer);
          if (args.length > 0) deferred.set(`${ptr}/layers/${i}`, args);
        });
        return { ...e, value: { ...e.value, items: ex.out } };
      }),
    };
  };
  const entries = root.entries.map((e): LEntry => {
    if (e.key === 'model') return { ...e, value: expandModel(e.value, '/model') };
    if (e.key === 'models' && e.value.kind === 'map') {
      return { ...e, value: { ...e.value, entries: e.value.entries.map((m) => ({ ...m, value: expandModel(m.value, `/models/${pointerSegment(m.key)}`) })) } };
    }
    return e;
  });
  return done({ ...root, entries });
}
