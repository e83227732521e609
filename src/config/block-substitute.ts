/**
 * `${...}` in a block's layers, per instance: parameter values (numbers, strings, layers), and
 * shape expressions that wait for the model builder (deferred.ts), left in the tree as a
 * placeholder value carrying the expression until expansion takes them out (`takeDeferred`).
 */
import type { Problem } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { flowText } from './block-origin.js';
import { setArg } from './block-tree.js';
import type { DeferredArg, DeferredExpr } from './deferred.js';
import { isDeferred } from './deferred.js';
import { evaluate, ExprError, namesIn, shapeNamesIn, UnknownName, type ExprValue } from './expr.js';
import type { LEntry, LNode, LScalar } from './locate.js';
import { findLayer } from './schema.js';
import type { SourceLocation } from './types.js';

/** A parameter that is a layer or a block: its spec as the user wrote it (`LayerNormalization`, `{Dropout: {rate: 0.1}}`). */
export interface LayerParam { layer: LNode }
/** What a parameter is bound to in one instance. */
export type Bound = ExprValue | DeferredExpr | LayerParam;
export const isLayerParam = (v: Bound | undefined): v is LayerParam => typeof v === 'object' && v !== null && 'layer' in v;

/** A located scalar whose value waits for shapes; the placeholder value keeps schema checks quiet. */
export type DeferredScalar = LScalar & { deferred?: DeferredExpr };

const WHOLE = /^\$\{([^}]*)\}$/;
const PART = /\$\{([^}]*)\}/g;
const isEnvName = (n: string): boolean => /^[A-Z_][A-Z0-9_]*$/.test(n);

/** The parameter a layer-list item uses as a layer: `- ${norm}` or `- ${norm}: {name: ln1}`. */
export function layerParamRef(item: LNode): string | undefined {
  const text = item.kind === 'scalar' && typeof item.value === 'string' ? item.value
    : item.kind === 'map' && item.entries.length === 1 ? (item.entries[0] as LEntry).key : undefined;
  const m = text === undefined ? null : /^\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}$/.exec(text);
  return m?.[1];
}

/** One instance's view while substituting: its parameters, its tensors, where it is used. */
export interface Scope {
  params: Record<string, Bound>;
  /** The block: its name and its parameters' names, for messages. */
  block: { name: string; params: readonly { name: string }[] };
  /** Tensor names an expression may take `.shape` of → their reference in the model. */
  tensor: (name: string, loc: SourceLocation) => string | undefined;
  tensorNames: string[];
  /** ` (in block "X" used at f.yaml:3:5: ...)`, for problems found while substituting. */
  where: string;
}

/** Replaces `${expr}` in every string of `node` with its value under the scope's parameters. */
export function substitute(node: LNode, sc: Scope, problems: Problem[]): LNode {
  if (node.kind === 'map') return { ...node, entries: node.entries.map((e) => ({ ...e, value: substitute(e.value, sc, problems) })) };
  if (node.kind === 'seq') return { ...node, items: node.items.map((i) => substitute(i, sc, problems)) };
  if (typeof node.value !== 'string' || !node.value.includes('${')) return node;
  const { params, block } = sc;
  const fail = (message: string): undefined => { problems.push({ message: `block "${block.name}": ${message}${sc.where}`, loc: node.loc }); return undefined; };
  const calc = (expr: string): Bound | undefined => {
    const names = namesIn(expr);
    const tensors = shapeNamesIn(expr);
    // `${EPOCHS}` and other upper-case names are environment variables, not block parameters.
    if (tensors.length === 0 && names.length > 0 && names.every((n) => isEnvName(n) && !Object.prototype.hasOwnProperty.call(params, n))) return undefined;
    const known = block.params.map((q) => q.name);
    for (const n of names) {
      if (!Object.prototype.hasOwnProperty.call(params, n)) {
        return fail(`unknown parameter "${n}" in "\${${expr}}"${didYouMean(n, known)}; its parameters are ${known.map((k) => `"${k}"`).join(', ') || 'none'}`);
      }
      const v = params[n];
      if (isLayerParam(v) && !(expr.trim() === n && WHOLE.test(node.value as string))) {
        return fail(`parameter "${n}" is a layer (${flowText(v.layer)}), not a number, in "\${${expr}}"; use it as an item of the block's layers: - \${${n}}`);
      }
    }
    for (const t of tensors) {
      if (!sc.tensorNames.includes(t)) {
        return fail(`"${t}.shape" in "\${${expr}}": "${t}" is not a tensor of the block${didYouMean(t, sc.tensorNames)}; shapes can be read from ${sc.tensorNames.map((k) => `"${k}"`).join(', ')}`);
      }
    }
    // A shape, or a parameter that waits for one: computed by the model builder once shapes are known.
    if (tensors.length > 0 || names.some((n) => isDeferred(params[n]))) {
      const scope: DeferredExpr['scope'] = {};
      for (const n of names) scope[n] = params[n] as ExprValue | DeferredExpr;
      const refs: Record<string, string> = {};
      for (const t of tensors) refs[t] = sc.tensor(t, node.loc) ?? t;
      try {
        // Checks the syntax now, with made-up shapes, so a typo is reported before anything is built.
        evaluate(expr, Object.fromEntries(names.map((n) => [n, isDeferred(params[n]) ? 1 : params[n] as ExprValue])), Object.fromEntries(tensors.map((t) => [t, [1, 1, 1, 1, 1, 1, 1, 1]])));
      } catch (e) {
        if (!(e instanceof ExprError) || /out of range/.test(e.message) === false) return fail(e instanceof ExprError ? e.message : String(e));
      }
      return { expr, scope, tensors: refs, block: block.name, loc: node.loc };
    }
    if (names.length === 1 && isLayerParam(params[names[0] as string])) return params[names[0] as string];
    try {
      return evaluate(expr, params as Record<string, ExprValue>);
    } catch (e) {
      if (e instanceof UnknownName) return fail(`unknown parameter "${e.param}" in "\${${expr}}"${didYouMean(e.param, known)}`);
      return fail(e instanceof ExprError ? e.message : String(e));
    }
  };
  const whole = WHOLE.exec(node.value);
  if (whole) {
    const v = calc(whole[1] ?? '');
    if (v === undefined) return node;
    if (isLayerParam(v)) return v.layer;
    if (isDeferred(v)) { const d: DeferredScalar = { ...node, value: 1, deferred: v }; return d; }
    return { ...node, value: v };
  }
  return {
    ...node,
    value: node.value.replace(PART, (all: string, expr: string) => {
      const v = calc(expr);
      if (v === undefined) return all;
      if (isDeferred(v) || isLayerParam(v)) { fail(`"\${${expr}}" must be the whole value (it is a shape or a layer), not part of "${String(node.value)}"`); return all; }
      return String(v);
    }),
  };
}

/**
 * A layer-list item that is a layer parameter (`- ${norm}`, `- ${norm}: {name: ln1}`) → the layer
 * it is bound to, with the item's own arguments added over the parameter's.
 */
export function applyLayerParam(item: LNode, params: Record<string, Bound>): LNode {
  const ref = layerParamRef(item);
  const v = ref === undefined ? undefined : params[ref];
  if (!isLayerParam(v)) return item;
  const extra = item.kind === 'map' ? (item.entries[0] as LEntry).value : undefined;
  if (!extra || extra.kind !== 'map') return v.layer;
  let layer = v.layer;
  for (const a of extra.entries) layer = setArg(layer, a.key, a.value, a.keyLoc);
  return layer;
}


/**
 * Takes the deferred values out of one expanded layer: their paths inside its arguments, and a
 * placeholder in the tree (the argument's default, or 1) so the schema checks see a number.
 */
export function takeDeferred(layer: LNode): DeferredArg[] {
  if (layer.kind !== 'map' || layer.entries.length !== 1) return [];
  const [entry] = layer.entries as [LEntry];
  const found: DeferredArg[] = [];
  const reg = findLayer(entry.key);
  const walk = (n: LNode, path: (string | number)[]): void => {
    if (n.kind === 'map') n.entries.forEach((e) => walk(e.value, [...path, e.key]));
    else if (n.kind === 'seq') n.items.forEach((it, i) => walk(it, [...path, i]));
    else {
      const d = (n as DeferredScalar).deferred;
      if (!d) return;
      found.push({ path, value: d, loc: n.loc });
      const def = path.length === 1 ? reg?.args[String(path[0])]?.default : undefined;
      n.value = typeof def === 'number' ? def : 1;
    }
  };
  // `Dense: "${input.shape[-1]}"`: the shorthand becomes the positional argument in normalisation.
  if (entry.value.kind === 'scalar' && reg?.positional) walk(entry.value, [reg.positional]);
  else walk(entry.value, []);
  return found;
}

