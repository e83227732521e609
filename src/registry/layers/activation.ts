/**
 * Advanced activation layers.
 * ReLU takes `max_value` only: Keras's `negative_slope` and `threshold` are not supported by
 * tfjs's ReLU layer (use LeakyReLU / ThresholdedReLU).
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerEntry } from '../types.js';
import { toTfConstraint, toTfRegularizer } from '../keras-names.js';
import { SALT, constraintArg, init, initializerArg, numArg, regularizerArg } from './args.js';

const same = { inputShape: 'Arbitrary.', outputShape: 'Same shape as input.' };

export const ReLU: LayerEntry = {
  name: 'ReLU',
  category: 'activation',
  description: 'Rectified linear unit: max(x, 0), optionally capped at max_value.',
  ...same,
  positional: 'max_value',
  args: {
    max_value: { schema: { anyOf: [{ type: 'number', minimum: 0 }, { type: 'null' }] }, description: 'Maximum activation; none by default.', default: null },
  },
  build(a, common) {
    return tf.layers.reLU({ ...common, maxValue: (a.max_value as number | null | undefined) ?? undefined });
  },
};

export const LeakyReLU: LayerEntry = {
  name: 'LeakyReLU',
  category: 'activation',
  description: 'Leaky rectified linear unit: x for x >= 0, negative_slope * x otherwise.',
  ...same,
  positional: 'negative_slope',
  args: {
    negative_slope: numArg('Slope for x < 0.', 0.3, { type: 'number', minimum: 0 }),
    alpha: { schema: { type: 'number', minimum: 0 }, description: 'Keras 2 name of negative_slope.' },
  },
  build(a, common) {
    return tf.layers.leakyReLU({ ...common, alpha: (a.negative_slope as number | undefined) ?? (a.alpha as number | undefined) ?? 0.3 });
  },
};

export const PReLU: LayerEntry = {
  name: 'PReLU',
  category: 'activation',
  description: 'Parametric ReLU: x for x >= 0, alpha * x otherwise, with alpha learned per unit.',
  ...same,
  args: {
    alpha_initializer: initializerArg('Initializer for alpha.', 'zeros'),
    alpha_regularizer: regularizerArg('Regularizer for alpha.'),
    alpha_constraint: constraintArg('Constraint for alpha.'),
    shared_axes: {
      schema: { type: 'array', items: { type: 'integer', minimum: 1 } },
      description: 'Axes (1-based, batch excluded) along which alpha is shared, e.g. [1, 2] for one alpha per channel of an image.',
      default: null,
    },
  },
  build(a, common, ctx) {
    return tf.layers.prelu({
      ...common,
      alphaInitializer: init(a, 'alpha_initializer', 'zeros', ctx.seed, SALT.alpha),
      alphaRegularizer: toTfRegularizer(a.alpha_regularizer),
      alphaConstraint: toTfConstraint(a.alpha_constraint),
      sharedAxes: a.shared_axes as number[] | undefined,
    });
  },
};

export const ELU: LayerEntry = {
  name: 'ELU',
  category: 'activation',
  description: 'Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise.',
  ...same,
  positional: 'alpha',
  args: { alpha: numArg('Scale for the negative section.', 1) },
  build(a, common) {
    return tf.layers.elu({ ...common, alpha: (a.alpha as number | undefined) ?? 1 });
  },
};

export const ThresholdedReLU: LayerEntry = {
  name: 'ThresholdedReLU',
  category: 'activation',
  description: 'x for x > theta, 0 otherwise.',
  ...same,
  positional: 'theta',
  args: { theta: numArg('Threshold location.', 1, { type: 'number', minimum: 0 }) },
  build(a, common) {
    return tf.layers.thresholdedReLU({ ...common, theta: (a.theta as number | undefined) ?? 1 });
  },
};

export const Softmax: LayerEntry = {
  name: 'Softmax',
  category: 'activation',
  description: 'Softmax over the given axis.',
  ...same,
  positional: 'axis',
  args: {
    axis: { schema: { anyOf: [{ type: 'integer' }, { type: 'array', items: { type: 'integer' } }] }, description: 'Axis (or axes) to normalize over.', default: -1 },
  },
  build(a, common) {
    return tf.layers.softmax({ ...common, axis: (a.axis as number | number[] | undefined) ?? -1 } as never);
  },
};
