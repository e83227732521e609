/**
 * Keras's Normalization layer, for models read from Keras files (and kerats'
 * own exports, where it holds the learned standardisation): (x - mean) / max(sqrt(variance), 1e-7),
 * or the inverse with `invert`. The statistics come from the config (`mean`, `variance`, as Keras
 * writes them when they were given) or, for a layer Keras adapted, from its weights
 * mean / variance / count. Inference only: `adapt` is Keras's job.
 */
import * as tf from '@tensorflow/tfjs';
import { register, type ConfigDict, type Shape } from './util.js';

export interface NormalizationArgs {
  axis?: number | number[] | null;
  invert?: boolean;
  mean?: number | number[] | null;
  variance?: number | number[] | null;
  name?: string;
  trainable?: boolean;
  dtype?: tf.DataType;
}

const EPSILON = 1e-7;

export class Normalization extends tf.layers.Layer {
  static className = 'Normalization';
  readonly invert: boolean;
  readonly givenMean: number[] | null;
  readonly givenVariance: number[] | null;
  /** The axes with their own statistics (-1, or every non-batch axis as kerats exports write). */
  readonly axis: number[];
  /** The statistics' shape against a batch: kept axes keep their size, the others are 1. */
  private broadcast: number[] = [];
  private adapted: tf.LayerVariable[] = [];

  constructor(args: NormalizationArgs) {
    super({ ...args, trainable: false } as ConstructorParameters<typeof tf.layers.Layer>[0]);
    const axis = Array.isArray(args.axis) ? args.axis : args.axis === undefined || args.axis === null ? [-1] : [args.axis];
    this.axis = axis;
    const list = (v: number | number[] | null | undefined): number[] | null => (v === undefined || v === null ? null : Array.isArray(v) ? v.flat(Infinity as 1) as number[] : [v]);
    this.invert = args.invert ?? false;
    this.givenMean = list(args.mean);
    this.givenVariance = list(args.variance);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const rank = shape.length;
    const kept = new Set(this.axis.map((a) => (a < 0 ? a + rank : a)));
    if (kept.has(0) || [...kept].some((a) => a >= rank)) throw new Error(`Normalization axis [${this.axis.join(', ')}] does not fit an input of rank ${rank}`);
    this.broadcast = shape.map((dim, i) => (kept.has(i) ? (dim ?? 1) : 1));
    const d = this.broadcast.reduce((a, b) => a * b, 1);
    if (this.givenMean === null) {
      const zeros = tf.initializers.zeros();
      const ones = tf.initializers.ones();
      this.adapted = [
        this.addWeight('mean', [d], 'float32', zeros, undefined, false),
        this.addWeight('variance', [d], 'float32', ones, undefined, false),
        this.addWeight('count', [], 'float32', zeros, undefined, false),
      ];
    }
    this.built = true;
  }

  private stats(): [tf.Tensor, tf.Tensor] {
    const b = this.broadcast;
    const fit = (t: tf.Tensor): tf.Tensor => (t.size === 1 ? t.reshape([]) : t.reshape(b));
    if (this.givenMean !== null) return [fit(tf.tensor1d(this.givenMean)), fit(tf.tensor1d(this.givenVariance ?? this.givenMean.map(() => 1)))];
    return [fit((this.adapted[0] as tf.LayerVariable).read()), fit((this.adapted[1] as tf.LayerVariable).read())];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
      const [mean, variance] = this.stats();
      const std = tf.maximum(tf.sqrt(variance), EPSILON);
      return this.invert ? tf.add(tf.mul(x, std), mean) : tf.div(tf.sub(x, mean), std);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), axis: this.axis, invert: this.invert, mean: this.givenMean, variance: this.givenVariance };
  }
}
register(Normalization);
