/**
 * Fills in a block layer's arguments that read shapes (`units: ${input.shape[-1]}`), just before
 * the layer is built: the shapes of the tensors before it are known by then. The value is checked
 * against the argument's schema here, since the config checks saw only a placeholder.
 */
import type { LayerSpec, SourceLocation } from '../../config/types.js';
import { resolveDeferred, type DeferredArg } from '../../config/deferred.js';
import { ExprError, type ExprValue, type TensorShape } from '../../config/expr.js';
import { layers as layerRegistry } from '../../registry/layers/index.js';
import type { JsonSchema } from '../../registry/types.js';
import { ConfigError } from '../../util/errors.js';

/** Why `v` does not fit `schema` (the common keywords of argument schemas), or undefined. */
export function schemaMismatch(v: ExprValue, schema: JsonSchema): string | undefined {
  const s = schema as { type?: string | string[]; minimum?: number; exclusiveMinimum?: number; maximum?: number; exclusiveMaximum?: number; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; enum?: unknown[] };
  const alts = s.anyOf ?? s.oneOf;
  if (alts) {
    const whys = alts.map((a) => schemaMismatch(v, a));
    return whys.some((w) => w === undefined) ? undefined : whys.join(', or ');
  }
  if (s.enum && !s.enum.includes(v)) return `must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  if (types.length > 0) {
    const fits = types.some((t) => (t === 'integer' ? Number.isInteger(v) : t === 'number' ? typeof v === 'number' : typeof v === t));
    if (!fits) return `must be ${types.map((t) => (t === 'integer' ? 'an integer' : `a ${t}`)).join(' or ')}`;
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) return `must be ≥ ${s.minimum}`;
    if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) return `must be > ${s.exclusiveMinimum}`;
    if (s.maximum !== undefined && v > s.maximum) return `must be ≤ ${s.maximum}`;
    if (s.exclusiveMaximum !== undefined && v >= s.exclusiveMaximum) return `must be < ${s.exclusiveMaximum}`;
  }
  return undefined;
}

function setPath(args: Record<string, unknown>, path: readonly (string | number)[], value: ExprValue): void {
  let at: Record<string | number, unknown> = args;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path[path.length - 1] as string | number] = value;
}

const argName = (d: DeferredArg): string => d.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');

/**
 * Computes every deferred argument of `spec` into `spec.args`. `shapeOf` gives the shape of a model
 * reference (batch dimension first); `who` describes the layer for messages.
 */
export function fillDeferredArgs(spec: LayerSpec, who: string, shapeOf: (ref: string, loc: SourceLocation) => TensorShape): void {
  const entry = layerRegistry.find(spec.type);
  for (const d of spec.deferred ?? []) {
    let v: ExprValue;
    try {
      v = resolveDeferred(d.value, (ref) => shapeOf(ref, d.loc));
    } catch (e) {
      if (e instanceof ExprError) throw new ConfigError({ message: `${who}: ${argName(d)}: ${e.message}`, loc: d.loc });
      throw e;
    }
    const schema = d.path.length === 1 ? entry?.args[String(d.path[0])]?.schema : undefined;
    const bad = schema ? schemaMismatch(v, schema) : undefined;
    if (bad) throw new ConfigError({ message: `${who}: ${argName(d)} is "\${${d.value.expr}}" = ${JSON.stringify(v)}, but ${argName(d)} ${bad}`, loc: d.loc });
    setPath(spec.args, d.path, v);
    if (d.resolvedArgs) setPath(d.resolvedArgs, d.path, v);
  }
}
