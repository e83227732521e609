/**
 * Optimizers under their Keras class names, with Keras's argument names and defaults (which
 * differ from tfjs's: e.g. Keras's epsilon is 1e-7, Adagrad's learning rate 0.001).
 *
 * Keras's `weight_decay`, `clipnorm`, `clipvalue`, `global_clipnorm`, `use_ema` are not offered:
 * tfjs's optimizers have no equivalent, and a silently ignored argument would be worse than an
 * "unknown argument" error from the config validator.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../util/errors.js';
import { Registry } from './registry.js';
import type { ArgMap, ArgSpec, RegistryEntry } from './types.js';

export interface OptimizerEntry extends RegistryEntry {
  build(args: ArgMap): tf.Optimizer;
}

export const optimizers = new Registry<OptimizerEntry>('optimizer');

const positive = { type: 'number', exclusiveMinimum: 0 };
const unit = { type: 'number', minimum: 0, maximum: 1 };

function lr(def: number): ArgSpec {
  return { schema: positive, description: 'The learning rate.', default: def };
}
const epsilon: ArgSpec = {
  schema: positive,
  description: 'A small constant for numerical stability.',
  default: 1e-7,
};

function num(a: ArgMap, key: string, def: number): number {
  const v = a[key];
  return typeof v === 'number' ? v : def;
}
function bool(a: ArgMap, key: string, def: boolean): boolean {
  const v = a[key];
  return typeof v === 'boolean' ? v : def;
}

optimizers.register({
  name: 'SGD',
  description: 'Gradient descent, with optional (Nesterov) momentum.',
  positional: 'learning_rate',
  args: {
    learning_rate: lr(0.01),
    momentum: { schema: { type: 'number', minimum: 0 }, description: 'Accelerates gradient descent in the relevant direction and dampens oscillations.', default: 0 },
    nesterov: { schema: { type: 'boolean' }, description: 'Whether to apply Nesterov momentum.', default: false },
  },
  build(a) {
    const rate = num(a, 'learning_rate', 0.01);
    const momentum = num(a, 'momentum', 0);
    const nesterov = bool(a, 'nesterov', false);
    // tfjs splits plain SGD and momentum SGD into two classes; with a constant learning rate
    // tfjs's accumulation (v = m·v + g; w -= lr·v) equals Keras's (v = m·v - lr·g; w += v).
    return momentum > 0 || nesterov ? tf.train.momentum(rate, momentum, nesterov) : tf.train.sgd(rate);
  },
});

optimizers.register({
  name: 'RMSprop',
  description: 'Divides the gradient by a moving average of its recent magnitude (root mean square).',
  positional: 'learning_rate',
  args: {
    learning_rate: lr(0.001),
    rho: { schema: unit, description: 'Discounting factor for the old gradients.', default: 0.9 },
    momentum: { schema: { type: 'number', minimum: 0 }, description: 'Momentum applied to the update.', default: 0 },
    epsilon,
    centered: { schema: { type: 'boolean' }, description: 'Normalize gradients by their estimated variance (centered RMSprop).', default: false },
  },
  build(a) {
    const centered = bool(a, 'centered', false);
    const eps = num(a, 'epsilon', 1e-7);
    // tfjs 4.22's centered branch computes sqrt(ms - (mg² + ε)), i.e. it SUBTRACTS epsilon (NaN
    // for a weight whose gradient is zero). Keras computes sqrt(ms - mg² + ε); passing -ε to tfjs's
    // centered branch yields exactly Keras's formula. The non-centered branch adds ε correctly.
    return tf.train.rmsprop(num(a, 'learning_rate', 0.001), num(a, 'rho', 0.9), num(a, 'momentum', 0), centered ? -eps : eps, centered);
  },
});

optimizers.register({
  name: 'Adam',
  description: 'Adam: stochastic gradient descent with adaptive estimates of first- and second-order moments.',
  positional: 'learning_rate',
  args: {
    learning_rate: lr(0.001),
    beta_1: { schema: unit, description: 'Exponential decay rate for the first moment estimates.', default: 0.9 },
    beta_2: { schema: unit, description: 'Exponential decay rate for the second moment estimates.', default: 0.999 },
    epsilon,
    amsgrad: { schema: { type: 'boolean' }, description: 'Whether to apply the AMSGrad variant (not supported by TensorFlow.js: only false is accepted).', default: false },
  },
  build(a) {
    if (a.amsgrad === true) {
      throw new ConfigError(
        'Adam: "amsgrad: true" is not supported (TensorFlow.js\'s Adam has no AMSGrad variant); remove `amsgrad` or set it to false',
      );
    }
    return tf.train.adam(num(a, 'learning_rate', 0.001), num(a, 'beta_1', 0.9), num(a, 'beta_2', 0.999), num(a, 'epsilon', 1e-7));
  },
});

optimizers.register({
  name: 'Adamax',
  description: 'A variant of Adam based on the infinity norm.',
  positional: 'learning_rate',
  args: {
    learning_rate: lr(0.001),
    beta_1: { schema: unit, description: 'Exponential decay rate for the first moment estimates.', default: 0.9 },
    beta_2: { schema: unit, description: 'Exponential decay rate for the exponentially weighted infinity norm.', default: 0.999 },
    epsilon,
  },
  build: (a) =>
    tf.train.adamax(num(a, 'learning_rate', 0.001), num(a, 'beta_1', 0.9), num(a, 'beta_2', 0.999), num(a, 'epsilon', 1e-7), 0),
});

optimizers.register({
  name: 'Adagrad',
  description: 'Parameter-specific learning rates, adapted to how frequently each parameter gets updated.',
  positional: 'learning_rate',
  args: {
    learning_rate: lr(0.001),
    initial_accumulator_value: { schema: { type: 'number', minimum: 0 }, description: 'Starting value for the per-parameter accumulators.', default: 0.1 },
    epsilon,
  },
  build(a) {
    // tfjs's Adagrad always uses the backend epsilon (1e-7, Keras's default) and takes no argument
    // for it; refuse another value rather than ignore it.
    if (a.epsilon !== undefined && a.epsilon !== 1e-7) {
      throw new ConfigError(
        `Adagrad: "epsilon: ${String(a.epsilon)}" is not supported (TensorFlow.js's Adagrad always uses 1e-7); remove \`epsilon\``,
      );
    }
    return tf.train.adagrad(num(a, 'learning_rate', 0.001), num(a, 'initial_accumulator_value', 0.1));
  },
});

optimizers.register({
  name: 'Adadelta',
  description: 'Adapts learning rates from a moving window of gradient updates.',
  positional: 'learning_rate',
  args: {
    learning_rate: lr(0.001),
    rho: { schema: unit, description: 'The decay rate.', default: 0.95 },
    epsilon,
  },
  build: (a) => tf.train.adadelta(num(a, 'learning_rate', 0.001), num(a, 'rho', 0.95), num(a, 'epsilon', 1e-7)),
});
