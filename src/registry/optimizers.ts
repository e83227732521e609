/** Optimizers under their Keras class names. STUB: the trainer helper owns and completes this file. */
import * as tf from '@tensorflow/tfjs';
import { Registry } from './registry.js';
import type { ArgMap, RegistryEntry } from './types.js';

export interface OptimizerEntry extends RegistryEntry {
  build(args: ArgMap): tf.Optimizer;
}

export const optimizers = new Registry<OptimizerEntry>('optimizer');

optimizers.register({
  name: 'Adam',
  description: 'Adam: stochastic gradient descent with adaptive estimates of first- and second-order moments.',
  args: {
    learning_rate: { schema: { type: 'number', exclusiveMinimum: 0 }, description: 'The learning rate.', default: 0.001 },
  },
  build: (a) => tf.train.adam((a.learning_rate as number | undefined) ?? 0.001),
});
