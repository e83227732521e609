/**
 * Normalization layers.
 * Not offered: GroupNormalization, UnitNormalization and the Normalization preprocessing layer
 * (tfjs-layers has none).
 */
import type { ArgSpec, LayerEntry } from '../types.js';
import { toTfConstraint, toTfRegularizer } from '../keras-names.js';
import { SALT, boolArg, constraintArg, init, initializerArg, numArg, regularizerArg } from './args.js';
import { KerasBatchNormalization } from './batch-norm-partial.js';
import { KerasLayerNormalization } from './layer-norm-partial.js';

const affineArgs: Record<string, ArgSpec> = {
  epsilon: numArg('Small float added to the variance to avoid dividing by zero.', 0.001, { type: 'number', exclusiveMinimum: 0 }),
  center: boolArg('Add the learned offset beta.', true),
  scale: boolArg('Multiply by the learned scale gamma.', true),
  beta_initializer: initializerArg('Initializer for beta.', 'zeros'),
  gamma_initializer: initializerArg('Initializer for gamma.', 'ones'),
  beta_regularizer: regularizerArg('Regularizer for beta.'),
  gamma_regularizer: regularizerArg('Regularizer for gamma.'),
};

export const BatchNormalization: LayerEntry = {
  name: 'BatchNormalization',
  category: 'normalization',
  description: 'Normalizes its input to mean 0 and stddev 1 with batch statistics during training and moving averages at inference. '
    + 'Its moving mean and variance are non-trainable parameters (2 per channel); gamma and beta are trainable.',
  inputShape: 'Arbitrary.',
  outputShape: 'Same shape as input.',
  args: {
    axis: { schema: { type: 'integer' }, description: 'The features axis to normalize (-1: channels_last).', default: -1 },
    momentum: numArg('Momentum of the moving averages.', 0.99, { type: 'number', minimum: 0, maximum: 1 }),
    ...affineArgs,
    moving_mean_initializer: initializerArg('Initializer for the moving mean.', 'zeros'),
    moving_variance_initializer: initializerArg('Initializer for the moving variance.', 'ones'),
    beta_constraint: constraintArg('Constraint for beta.'),
    gamma_constraint: constraintArg('Constraint for gamma.'),
  },
  build(a, common, ctx) {
    // tfjs's layer cannot train without beta or gamma (see batch-norm-partial.ts).
    return new KerasBatchNormalization({
      ...common,
      axis: (a.axis as number | undefined) ?? -1,
      momentum: (a.momentum as number | undefined) ?? 0.99,
      epsilon: (a.epsilon as number | undefined) ?? 0.001,
      center: (a.center as boolean | undefined) ?? true,
      scale: (a.scale as boolean | undefined) ?? true,
      betaInitializer: init(a, 'beta_initializer', 'zeros', ctx.seed, SALT.beta),
      gammaInitializer: init(a, 'gamma_initializer', 'ones', ctx.seed, SALT.gamma),
      movingMeanInitializer: init(a, 'moving_mean_initializer', 'zeros', ctx.seed, SALT.kernel),
      movingVarianceInitializer: init(a, 'moving_variance_initializer', 'ones', ctx.seed, SALT.bias),
      betaRegularizer: toTfRegularizer(a.beta_regularizer),
      gammaRegularizer: toTfRegularizer(a.gamma_regularizer),
      betaConstraint: toTfConstraint(a.beta_constraint),
      gammaConstraint: toTfConstraint(a.gamma_constraint),
    });
  },
};

export const LayerNormalization: LayerEntry = {
  name: 'LayerNormalization',
  category: 'normalization',
  description: 'Normalizes each sample over its feature axis (or axes) to mean 0 and stddev 1, then scales and shifts.',
  inputShape: 'Arbitrary.',
  outputShape: 'Same shape as input.',
  args: {
    axis: {
      schema: { anyOf: [{ type: 'integer' }, { type: 'array', items: { type: 'integer' }, minItems: 1 }] },
      description: 'The axis or axes to normalize across.',
      default: -1,
    },
    ...affineArgs,
  },
  build(a, common, ctx) {
    // tfjs's layer cannot train without beta or gamma (see layer-norm-partial.ts).
    return new KerasLayerNormalization({
      ...common,
      axis: (a.axis as number | number[] | undefined) ?? -1,
      epsilon: (a.epsilon as number | undefined) ?? 0.001,
      center: (a.center as boolean | undefined) ?? true,
      scale: (a.scale as boolean | undefined) ?? true,
      betaInitializer: init(a, 'beta_initializer', 'zeros', ctx.seed, SALT.beta),
      gammaInitializer: init(a, 'gamma_initializer', 'ones', ctx.seed, SALT.gamma),
      betaRegularizer: toTfRegularizer(a.beta_regularizer),
      gammaRegularizer: toTfRegularizer(a.gamma_regularizer),
    });
  },
};
