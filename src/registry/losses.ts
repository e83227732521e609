/** Losses under their Keras names. STUB: the trainer helper owns and completes this file. */
import * as tf from '@tensorflow/tfjs';
import type { TargetEncoding } from '../runtime/data/types.js';
import { Registry } from './registry.js';
import type { RegistryEntry } from './types.js';

export interface LossEntry extends RegistryEntry {
  /** How labels must be encoded for this loss. */
  target: TargetEncoding;
  /** Per-sample loss, shape [batch]. */
  compute(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor;
}

export const losses = new Registry<LossEntry>('loss');

losses.register({
  name: 'sparse_categorical_crossentropy',
  description: 'Cross-entropy between integer class ids and predicted class probabilities.',
  args: {},
  target: 'sparse',
  compute: (yTrue, yPred) =>
    tf.tidy(() => {
      const depth = yPred.shape[yPred.shape.length - 1] ?? 1;
      const oneHot = tf.oneHot(tf.cast(tf.reshape(yTrue, [-1]), 'int32'), depth);
      const p = tf.clipByValue(yPred, 1e-7, 1 - 1e-7);
      return tf.neg(tf.sum(tf.mul(oneHot, tf.log(p)), -1));
    }),
});

/** The label encoding a loss needs (`sparse` for sparse_categorical_crossentropy, ...). */
export function targetEncodingFor(loss: string): TargetEncoding {
  return losses.get(loss).target;
}
