/** Core layers: Dense, Dropout (exemplars of the layer-entry pattern; the rest follow it). */
import * as tf from '@tensorflow/tfjs';
import { ACTIVATION_SCHEMA, INITIALIZER_SCHEMA, toTfActivation, toTfInitializer } from '../keras-names.js';
import type { LayerEntry } from '../types.js';

export const Dense: LayerEntry = {
  name: 'Dense',
  category: 'core',
  description: 'Densely-connected layer: output = activation(dot(input, kernel) + bias).',
  inputShape: 'N-D tensor with shape (batch_size, ..., input_dim).',
  outputShape: 'N-D tensor with shape (batch_size, ..., units).',
  positional: 'units',
  args: {
    units: { schema: { type: 'integer', minimum: 1 }, description: 'Dimensionality of the output space.', required: true },
    activation: { schema: ACTIVATION_SCHEMA, description: 'Activation function; none (linear) by default.', default: null },
    use_bias: { schema: { type: 'boolean' }, description: 'Whether the layer uses a bias vector.', default: true },
    kernel_initializer: { schema: INITIALIZER_SCHEMA, description: 'Initializer for the kernel weights.', default: 'glorot_uniform' },
    bias_initializer: { schema: INITIALIZER_SCHEMA, description: 'Initializer for the bias vector.', default: 'zeros' },
  },
  build(a, common, ctx) {
    return tf.layers.dense({
      ...common,
      units: a.units as number,
      activation: toTfActivation(a.activation) as never,
      useBias: (a.use_bias as boolean | undefined) ?? true,
      kernelInitializer: toTfInitializer(a.kernel_initializer ?? 'glorot_uniform', ctx.seed),
      biasInitializer: toTfInitializer(a.bias_initializer ?? 'zeros'),
    });
  },
};

export const Dropout: LayerEntry = {
  name: 'Dropout',
  category: 'regularization',
  description: 'Randomly sets input units to 0 with frequency `rate` at each step during training only.',
  positional: 'rate',
  args: {
    rate: { schema: { type: 'number', minimum: 0, exclusiveMaximum: 1 }, description: 'Fraction of the input units to drop.', required: true },
    noise_shape: { schema: { type: 'array', items: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] } }, description: 'Shape of the binary dropout mask.' },
    seed: { schema: { type: 'integer' }, description: 'Random seed for the dropout mask.' },
  },
  build(a, common, ctx) {
    return tf.layers.dropout({
      ...common,
      rate: a.rate as number,
      noiseShape: a.noise_shape as number[] | undefined,
      seed: (a.seed as number | undefined) ?? ctx.seed,
    });
  },
};
