/**
 * Keras's Lambda layer, restricted to a safe expression language (src/runtime/expr): the config
 * holds `expr: "x * 2 + 1"` instead of Python code. The expression is parsed once, evaluated with
 * tfjs ops (so gradients flow), and its output shape is inferred from the tree unless
 * `output_shape` (without the batch dimension) is given.
 *
 * tfjs rewrites every string in a layer config when it saves (snake_case) and loads (camelCase)
 * a model, which would corrupt `x_0` or `LOG(x)`; so the saved form escapes "_", "%" and upper-case
 * letters as %xx (lower-case hex), which both rewrites leave alone.
 */
import * as tf from '@tensorflow/tfjs';
import { evaluate, inferShape } from '../../../runtime/expr/evaluate.js';
import { parseExpr, type Node } from '../../../runtime/expr/parse.js';
import { register, shapeList, tensorList, type ConfigDict, type Kwargs, type Shape } from './util.js';

export interface LambdaArgs {
  expr: string;
  outputShape?: number[] | null;
  name?: string;
  trainable?: boolean;
  inputShape?: Shape;
  batchInputShape?: Shape;
  batchSize?: number;
  dtype?: tf.DataType;
}

export function escapeExpr(s: string): string {
  return s.replace(/[%_A-Z]/g, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

export function unescapeExpr(s: string): string {
  return s.replace(/%([0-9a-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export class Lambda extends tf.layers.Layer {
  static className = 'Lambda';
  readonly expr: string;
  readonly fixedShape: number[] | null;
  private readonly tree: Node;

  constructor(args: LambdaArgs & { escaped?: boolean }) {
    super(args as ConstructorParameters<typeof tf.layers.Layer>[0]);
    this.expr = args.escaped ? unescapeExpr(args.expr) : args.expr;
    this.fixedShape = args.outputShape ?? null;
    this.tree = parseExpr(this.expr);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = shapeList(inputShape);
    if (this.fixedShape) return [shapes[0]?.[0] ?? null, ...this.fixedShape];
    return inferShape(this.tree, shapes);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => evaluate(this.tree, tensorList(inputs)));
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), expr: escapeExpr(this.expr), escaped: true, outputShape: this.fixedShape };
  }
}
register(Lambda);
