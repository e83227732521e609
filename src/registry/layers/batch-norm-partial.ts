/**
 * BatchNormalization that trains with `center: false` or `scale: false`. tfjs's call() reads
 * `this.gamma` and `this.beta` unconditionally in training mode ("Cannot read properties of
 * undefined (reading 'read')"). Keras's layer without gamma is the layer with gamma fixed at 1
 * (without beta, beta fixed at 0), so the missing one reads as that constant: no weight is added,
 * so parameter counts and saved weights are Keras's. Keeps tfjs's name and registration.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchNormalization } from '@tensorflow/tfjs-layers/dist/layers/normalization.js';

const BatchNormBase = tf.layers.batchNormalization({}).constructor as typeof BatchNormalization;

/** What tfjs's call() uses of a weight: read(), inside its own tidy. */
interface Readable {
  read(): tf.Tensor;
}

interface BatchNormInternals {
  axis: number;
  center: boolean;
  scale: boolean;
  gamma?: Readable;
  beta?: Readable;
}

export class KerasBatchNormalization extends BatchNormBase {
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    super.build(inputShape);
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const self = this as unknown as BatchNormInternals;
    const dim = Number(shape[self.axis >= 0 ? self.axis : shape.length + self.axis]);
    if (!self.scale) self.gamma = { read: () => tf.ones([dim]) };
    if (!self.center) self.beta = { read: () => tf.zeros([dim]) };
  }
}

tf.serialization.registerClass(KerasBatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
