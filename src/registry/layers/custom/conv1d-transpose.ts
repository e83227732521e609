/**
 * Conv1DTranspose, which tfjs-layers lacks: tfjs's Conv2DTranspose over a (batch, 1, steps,
 * channels) view of the sequence. Output length and parameter count are Keras's
 * (kernel_size * filters * channels + filters); the kernel is stored as (1, kernel_size, filters,
 * channels). Registered under the Keras class name for Keras `to_json()` files.
 */
import * as tf from '@tensorflow/tfjs';
import { shapeList, tensorList, type ConfigDict, type Kwargs, type Shape } from './util.js';
import type { KerasDataFormat } from './pooling.js';

type Conv2DTransposeArgs = Parameters<typeof tf.layers.conv2dTranspose>[0];
export type Conv1DTransposeArgs = Omit<Conv2DTransposeArgs, 'kernelSize' | 'strides' | 'dataFormat' | 'dilationRate'> & {
  kernelSize: number | number[];
  strides?: number | number[];
  dataFormat?: KerasDataFormat;
  dilationRate?: number | number[];
};

const last = (v: number | number[] | undefined, def: number): number => (Array.isArray(v) ? Number(v[v.length - 1] ?? def) : v ?? def);

const Conv2DTransposeBase = tf.layers.conv2dTranspose({ filters: 1, kernelSize: 1 }).constructor as new (args: Conv2DTransposeArgs) => tf.layers.Layer;

export class Conv1DTranspose extends Conv2DTransposeBase {
  static className = 'Conv1DTranspose';
  readonly format1d: KerasDataFormat;

  constructor(args: Conv1DTransposeArgs) {
    if (last(args.dilationRate, 1) !== 1) throw new Error('Conv1DTranspose: dilation_rate other than 1 is not supported');
    super({
      ...args,
      kernelSize: [1, last(args.kernelSize, 1)],
      strides: [1, last(args.strides, 1)],
      dilationRate: [1, 1],
      dataFormat: 'channelsLast',
    } as Conv2DTransposeArgs);
    this.format1d = args.dataFormat ?? 'channelsLast';
    this.inputSpec = [new tf.InputSpec({ ndim: 3 })];
  }

  /** (batch, steps, channels) → (batch, 1, steps, channels), whatever the data format. */
  private as2d(s: Shape): Shape {
    const [b, d1, d2] = [s[0] ?? null, s[1] ?? null, s[2] ?? null];
    return this.format1d === 'channelsFirst' ? [b, 1, d2, d1] : [b, 1, d1, d2];
  }

  override build(inputShape: Shape | Shape[]): void {
    super.build(this.as2d(shapeList(inputShape)[0] as Shape));
    this.inputSpec = [new tf.InputSpec({ ndim: 3 })];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const out = super.computeOutputShape(this.as2d(shapeList(inputShape)[0] as Shape)) as Shape;
    const [b, steps, filters] = [out[0] ?? null, out[2] ?? null, out[3] ?? null];
    return this.format1d === 'channelsFirst' ? [b, filters, steps] : [b, steps, filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      let x = tensorList(inputs)[0] as tf.Tensor;
      if (this.format1d === 'channelsFirst') x = tf.transpose(x, [0, 2, 1]);
      const y = tf.squeeze(super.call(tf.expandDims(x, 1), kwargs) as tf.Tensor, [1]);
      return this.format1d === 'channelsFirst' ? tf.transpose(y, [0, 2, 1]) : y;
    });
  }

  override getConfig(): ConfigDict {
    const c = super.getConfig();
    return {
      ...c, kernelSize: last(c.kernelSize as number[], 1), strides: last(c.strides as number[], 1), dilationRate: 1, dataFormat: this.format1d,
    };
  }
}

tf.serialization.registerClass(Conv1DTranspose as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);
