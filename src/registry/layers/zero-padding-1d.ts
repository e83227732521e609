/** ZeroPadding1D, which tfjs-layers lacks: pads the steps axis of (batch, steps, features) with zeros. */
import * as tf from '@tensorflow/tfjs';

type Shape = (number | null)[];

export interface ZeroPadding1DArgs {
  padding: [number, number];
  name?: string;
  trainable?: boolean;
  inputShape?: (number | null)[];
  batchInputShape?: (number | null)[];
  batchSize?: number;
  dtype?: tf.DataType;
}

export class ZeroPadding1DLayer extends tf.layers.Layer {
  static className = 'ZeroPadding1D';
  readonly padding: [number, number];

  constructor(args: ZeroPadding1DArgs) {
    super(args as never);
    this.padding = args.padding;
    this.inputSpec = [new tf.InputSpec({ ndim: 3 })];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const steps = s[1];
    return [s[0] ?? null, steps === null || steps === undefined ? null : steps + this.padding[0] + this.padding[1], s[2] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return tf.pad(x, [[0, 0], this.padding, [0, 0]]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), padding: this.padding };
  }
}

tf.serialization.registerClass(ZeroPadding1DLayer);
