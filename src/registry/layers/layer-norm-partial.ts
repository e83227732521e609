/**
 * LayerNormalization that trains with `center: false` or `scale: false`. tfjs's call() hands
 * tf.batchNorm a null offset or scale, which the FusedBatchNorm kernel records on the tape as an
 * undefined input; tfjs-core's gradient walk then reads `.id` of it and every training step fails
 * with "Cannot read properties of undefined (reading 'id')". Without beta or gamma this class
 * normalises with plain ops ((x - mean) * rsqrt(var + epsilon), then * gamma or + beta when
 * present), the same formula; with both it is tfjs's layer unchanged. It keeps the name
 * "LayerNormalization" and replaces tfjs's registration, so a saved model loads back as this class.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerNormalization } from '@tensorflow/tfjs-layers/dist/layers/normalization.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';

const LayerNormBase = tf.layers.layerNormalization({}).constructor as typeof LayerNormalization;

/** tfjs keeps these private; build() has made `axis` a list of non-negative axes. */
interface LayerNormInternals {
  axis: number[];
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
}

export class KerasLayerNormalization extends LayerNormBase {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    if (this.center && this.scale) return super.call(inputs, kwargs);
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    const { axis, gamma, beta } = this as unknown as LayerNormInternals;
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, axis, true);
      let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      // gamma and beta have the normalised axes' shape; broadcast them over the others.
      const shape = x.shape.map((d, i) => (axis.includes(i) ? d : 1));
      if (this.scale && gamma) y = tf.mul(y, tf.reshape(gamma.read(), shape));
      if (this.center && beta) y = tf.add(y, tf.reshape(beta.read(), shape));
      return y;
    });
  }
}

tf.serialization.registerClass(KerasLayerNormalization as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
