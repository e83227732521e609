/**
 * `${...}` expressions of a block that read a tensor's shape (`input.shape[-1]`): their value is
 * known only once the layers before them are built, so block expansion records them here and the
 * model builder computes them, layer by layer, from the shapes it has just inferred — as Keras code
 * calls `layers.Dense(x.shape[-1])` on a tensor that already exists.
 */
import { evaluate, type ExprValue, type ShapeScope, type TensorShape } from './expr.js';
import type { SourceLocation } from './types.js';

export interface DeferredExpr {
  /** The expression as written in the block (`input.shape[-1] * 4`). */
  expr: string;
  /** The block's parameters: known values, or deferred ones passed in by an outer block. */
  scope: Record<string, ExprValue | DeferredExpr>;
  /** Tensor names in the expression → what they are in the model (a layer name, `#N`, a model input). */
  tensors: Record<string, string>;
  block: string;
  loc: SourceLocation;
}

/** One argument of an expanded layer that waits for shapes; `path` is inside the layer's arguments. */
export interface DeferredArg {
  path: (string | number)[];
  value: DeferredExpr;
  /** Where the expression is written (in the block's definition). */
  loc: SourceLocation;
  /**
   * The same layer's arguments in the resolved document stored with a run (config.json): the
   * builder writes the computed value there too, so the stored config rebuilds the same model.
   */
  resolvedArgs?: Record<string, unknown>;
}

export const isDeferred = (v: unknown): v is DeferredExpr =>
  typeof v === 'object' && v !== null && typeof (v as DeferredExpr).expr === 'string' && typeof (v as DeferredExpr).tensors === 'object';

/** Every model reference a deferred expression reads a shape from (the builder's dependencies). */
export function deferredRefs(d: DeferredExpr): string[] {
  const inner = Object.values(d.scope).flatMap((v) => (isDeferred(v) ? deferredRefs(v) : []));
  return [...Object.values(d.tensors), ...inner];
}

/** Computes `d` with `shapeOf` giving a reference's shape (batch dimension first). Throws ExprError. */
export function resolveDeferred(d: DeferredExpr, shapeOf: (ref: string) => TensorShape): ExprValue {
  const params: Record<string, ExprValue> = {};
  for (const [k, v] of Object.entries(d.scope)) params[k] = isDeferred(v) ? resolveDeferred(v, shapeOf) : v;
  const shapes: ShapeScope = {};
  for (const [k, ref] of Object.entries(d.tensors)) shapes[k] = shapeOf(ref);
  return evaluate(d.expr, params, shapes);
}
