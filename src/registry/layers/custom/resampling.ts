/**
 * Keras cropping and upsampling layers tfjs-layers lacks: Cropping1D, Cropping3D, UpSampling1D and
 * UpSampling3D (nearest-neighbour repetition, as Keras). Registered under the Keras class names so
 * Keras `to_json()` files and kerats configs build them alike.
 */
import * as tf from '@tensorflow/tfjs';
import { shapeList, tensorList, type ConfigDict, type Shape } from './util.js';
import type { KerasDataFormat } from './pooling.js';

type Pair = [number, number];

interface BaseArgs {
  name?: string;
  trainable?: boolean;
  inputShape?: (number | null)[];
  batchInputShape?: (number | null)[];
  batchSize?: number;
  dtype?: tf.DataType;
}

const sub = (d: number | null | undefined, n: number): number | null => (d === null || d === undefined ? null : d - n);
const mul = (d: number | null | undefined, n: number): number | null => (d === null || d === undefined ? null : d * n);

/** The spatial axes of a rank-(n+2) input. */
function spatialAxes(n: number, format: KerasDataFormat): number[] {
  return Array.from({ length: n }, (_, i) => (format === 'channelsFirst' ? i + 2 : i + 1));
}

/** Repeats each index of `axis` `times` times (Keras's repeat_elements). */
function repeatAxis(x: tf.Tensor, axis: number, times: number): tf.Tensor {
  if (times === 1) return x;
  const shape = x.shape;
  const expanded = tf.expandDims(x, axis + 1);
  const reps = shape.map(() => 1);
  reps.splice(axis + 1, 0, times);
  const tiled = tf.tile(expanded, reps);
  const out = [...shape];
  out[axis] = (shape[axis] ?? 0) * times;
  return tf.reshape(tiled, out);
}

export interface Cropping1DArgs extends BaseArgs { cropping: Pair | number }

export class Cropping1D extends tf.layers.Layer {
  static className = 'Cropping1D';
  readonly cropping: Pair;

  constructor(args: Cropping1DArgs) {
    super(args as never);
    const c = args.cropping;
    this.cropping = typeof c === 'number' ? [c, c] : [Number(c[0]), Number(c[1])];
    this.inputSpec = [new tf.InputSpec({ ndim: 3 })];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = shapeList(inputShape)[0] as Shape;
    return [s[0] ?? null, sub(s[1], this.cropping[0] + this.cropping[1]), s[2] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = tensorList(inputs)[0] as tf.Tensor;
    const steps = (x.shape[1] ?? 0) - this.cropping[0] - this.cropping[1];
    return tf.slice(x, [0, this.cropping[0], 0], [-1, steps, -1]);
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), cropping: this.cropping };
  }
}

export interface Cropping3DArgs extends BaseArgs { cropping: [Pair, Pair, Pair]; dataFormat?: KerasDataFormat }

export class Cropping3D extends tf.layers.Layer {
  static className = 'Cropping3D';
  readonly cropping: [Pair, Pair, Pair];
  readonly dataFormat: KerasDataFormat;

  constructor(args: Cropping3DArgs) {
    super(args as never);
    this.cropping = args.cropping;
    this.dataFormat = args.dataFormat ?? 'channelsLast';
    this.inputSpec = [new tf.InputSpec({ ndim: 5 })];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const out = [...(shapeList(inputShape)[0] as Shape)];
    spatialAxes(3, this.dataFormat).forEach((a, i) => {
      const [lo, hi] = this.cropping[i] as Pair;
      out[a] = sub(out[a], lo + hi);
    });
    return out;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = tensorList(inputs)[0] as tf.Tensor;
    const begin = x.shape.map(() => 0);
    const size = x.shape.map(() => -1);
    spatialAxes(3, this.dataFormat).forEach((a, i) => {
      const [lo, hi] = this.cropping[i] as Pair;
      begin[a] = lo;
      size[a] = (x.shape[a] ?? 0) - lo - hi;
    });
    return tf.slice(x, begin, size);
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), cropping: this.cropping, dataFormat: this.dataFormat };
  }
}

export interface UpSamplingArgs extends BaseArgs { size: number | number[]; dataFormat?: KerasDataFormat }

abstract class UpSampling extends tf.layers.Layer {
  readonly size: number[];
  readonly dataFormat: KerasDataFormat;
  protected abstract readonly rank: 1 | 3;

  constructor(args: UpSamplingArgs, rank: 1 | 3) {
    super(args as never);
    const s = args.size;
    this.size = typeof s === 'number' ? Array<number>(rank).fill(s) : s.map(Number);
    this.dataFormat = args.dataFormat ?? 'channelsLast';
    this.inputSpec = [new tf.InputSpec({ ndim: rank + 2 })];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const out = [...(shapeList(inputShape)[0] as Shape)];
    spatialAxes(this.rank, this.dataFormat).forEach((a, i) => { out[a] = mul(out[a], this.size[i] ?? 1); });
    return out;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = tensorList(inputs)[0] as tf.Tensor;
      spatialAxes(this.rank, this.dataFormat).forEach((a, i) => { x = repeatAxis(x, a, this.size[i] ?? 1); });
      return x;
    });
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), size: this.rank === 1 ? (this.size[0] ?? 2) : this.size, dataFormat: this.dataFormat };
  }
}

export class UpSampling1D extends UpSampling {
  static className = 'UpSampling1D';
  protected readonly rank = 1;
  constructor(args: UpSamplingArgs) {
    super(args, 1);
  }
}

export class UpSampling3D extends UpSampling {
  static className = 'UpSampling3D';
  protected readonly rank = 3;
  constructor(args: UpSamplingArgs) {
    super(args, 3);
  }
}

for (const cls of [Cropping1D, Cropping3D, UpSampling1D, UpSampling3D]) tf.serialization.registerClass(cls);
