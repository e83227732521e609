/**
 * Keras 3's pooling arguments tfjs-layers lacks: `data_format` on the 1-D poolings and on global
 * pooling, and `keepdims` on global pooling. These classes are registered under the Keras class
 * names, so a Keras `to_json()` file and a kerats config build the same layer (the keras-io
 * timeseries Transformer pools `GlobalAveragePooling1D(data_format="channels_first")`: over the
 * features, not the steps).
 */
import * as tf from '@tensorflow/tfjs';
import { shapeList, tensorList, type ConfigDict, type Kwargs, type Shape } from './util.js';

export type KerasDataFormat = 'channelsLast' | 'channelsFirst';

export interface GlobalPoolingArgs {
  dataFormat?: KerasDataFormat;
  keepdims?: boolean;
  name?: string;
  trainable?: boolean;
  inputShape?: (number | null)[];
  batchInputShape?: (number | null)[];
  batchSize?: number;
  dtype?: tf.DataType;
}

abstract class GlobalPooling extends tf.layers.Layer {
  readonly dataFormat: KerasDataFormat;
  readonly keepdims: boolean;
  protected abstract readonly mode: 'avg' | 'max';
  protected abstract readonly rank: 1 | 2;

  constructor(args: GlobalPoolingArgs = {}) {
    super(args as never);
    this.dataFormat = args.dataFormat ?? 'channelsLast';
    this.keepdims = args.keepdims ?? false;
    this.supportsMasking = true;
  }

  /** The pooled axes of a (batch, ...) input. */
  private axes(): number[] {
    const spatial = Array.from({ length: this.rank }, (_, i) => i + 1);
    return this.dataFormat === 'channelsFirst' ? spatial.map((a) => a + 1) : spatial;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = shapeList(inputShape)[0] as Shape;
    const axes = new Set(this.axes());
    return this.keepdims ? s.map((d, i) => (axes.has(i) ? 1 : d)) : s.filter((_, i) => !axes.has(i));
  }

  override computeMask(): tf.Tensor {
    // The pooled output has no steps left to mask.
    return null as unknown as tf.Tensor;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = tensorList(inputs)[0] as tf.Tensor;
      const axes = this.axes();
      const mask = kwargs.mask as tf.Tensor | undefined;
      // Keras averages a masked sequence over its unmasked steps only (channels_last 1-D).
      if (mask && this.rank === 1 && this.dataFormat === 'channelsLast') {
        const m = tf.expandDims(tf.cast(mask, x.dtype), -1);
        if (this.mode === 'avg') {
          const sum = tf.sum(tf.mul(x, m), 1, this.keepdims);
          return tf.div(sum, tf.maximum(tf.sum(m, 1, this.keepdims), 1e-7));
        }
        return tf.max(tf.add(x, tf.mul(tf.sub(1, m), -1e9)), 1, this.keepdims);
      }
      return this.mode === 'avg' ? tf.mean(x, axes, this.keepdims) : tf.max(x, axes, this.keepdims);
    });
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), dataFormat: this.dataFormat, keepdims: this.keepdims };
  }
}

export class GlobalAveragePooling1D extends GlobalPooling {
  static className = 'GlobalAveragePooling1D';
  protected readonly mode = 'avg';
  protected readonly rank = 1;
}
export class GlobalMaxPooling1D extends GlobalPooling {
  static className = 'GlobalMaxPooling1D';
  protected readonly mode = 'max';
  protected readonly rank = 1;
}
export class GlobalAveragePooling2D extends GlobalPooling {
  static className = 'GlobalAveragePooling2D';
  protected readonly mode = 'avg';
  protected readonly rank = 2;
}
export class GlobalMaxPooling2D extends GlobalPooling {
  static className = 'GlobalMaxPooling2D';
  protected readonly mode = 'max';
  protected readonly rank = 2;
}

type Pool1DArgs = Parameters<typeof tf.layers.maxPooling1d>[0] & { dataFormat?: KerasDataFormat };
type LayerClass = new (args: Pool1DArgs) => tf.layers.Layer;

/** tfjs's 1-D pooling, with channels_first done by transposing to channels_last and back. */
function pooling1D(base: LayerClass, className: string): LayerClass {
  class Pooling1D extends base {
    static className = className;
    readonly dataFormat: KerasDataFormat;

    constructor(args: Pool1DArgs) {
      super(args);
      this.dataFormat = args.dataFormat ?? 'channelsLast';
    }

    override computeOutputShape(inputShape: Shape | Shape[]): Shape {
      const s = shapeList(inputShape)[0] as Shape;
      if (this.dataFormat === 'channelsLast') return super.computeOutputShape(s) as Shape;
      const out = super.computeOutputShape([s[0] ?? null, s[2] ?? null, s[1] ?? null]) as Shape;
      return [out[0] ?? null, out[2] ?? null, out[1] ?? null];
    }

    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
      if (this.dataFormat === 'channelsLast') return super.call(inputs, kwargs) as tf.Tensor;
      return tf.tidy(() => {
        const x = tf.transpose(tensorList(inputs)[0] as tf.Tensor, [0, 2, 1]);
        return tf.transpose(super.call(x, kwargs) as tf.Tensor, [0, 2, 1]);
      });
    }

    override getConfig(): ConfigDict {
      return { ...super.getConfig(), dataFormat: this.dataFormat };
    }
  }
  return Pooling1D;
}

const tfMaxPooling1D = tf.layers.maxPooling1d({ poolSize: 2 }).constructor as LayerClass;
const tfAveragePooling1D = tf.layers.averagePooling1d({ poolSize: 2 }).constructor as LayerClass;
export const MaxPooling1D = pooling1D(tfMaxPooling1D, 'MaxPooling1D');
export const AveragePooling1D = pooling1D(tfAveragePooling1D, 'AveragePooling1D');

for (const cls of [GlobalAveragePooling1D, GlobalMaxPooling1D, GlobalAveragePooling2D, GlobalMaxPooling2D]) {
  tf.serialization.registerClass(cls);
}
tf.serialization.registerClass(MaxPooling1D as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);
tf.serialization.registerClass(AveragePooling1D as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);
