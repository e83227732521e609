/**
 * Optimizers under their Keras class names, with Keras 3's argument names, defaults and update
 * rules (kerats' own implementations in src/registry/optimizers/, since tfjs lacks
 * Nadam, AdamW, AMSGrad, clipping and weight decay). Every optimizer takes Keras's common
 * arguments: `weight_decay`, `clipnorm`, `clipvalue`, `global_clipnorm`, and a `learning_rate`
 * that is a number or a schedule (`{ExponentialDecay: {...}}`, evaluated per optimizer step).
 */
import type * as tf from '@tensorflow/tfjs';
import type { BaseOptions } from './optimizers/base.js';
import { Adadelta, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop, SGD } from './optimizers/rules.js';
import { buildSchedule, scheduleSchema } from './schedules.js';
import { Registry } from './registry.js';
import type { ArgMap, ArgSpec, RegistryEntry } from './types.js';

export interface OptimizerEntry extends RegistryEntry {
  build(args: ArgMap): tf.Optimizer;
}

export const optimizers = new Registry<OptimizerEntry>('optimizer');

const positive = { type: 'number', exclusiveMinimum: 0 };
const unit = { type: 'number', minimum: 0, maximum: 1 };
const optionalPositive = { type: ['number', 'null'], exclusiveMinimum: 0 };

function lr(def: number): ArgSpec {
  return {
    schema: { anyOf: [positive, scheduleSchema()] },
    description: 'The learning rate: a number, or a schedule such as {ExponentialDecay: {initial_learning_rate, decay_steps, decay_rate}} evaluated at every optimizer step.',
    default: def,
  };
}
const epsilon: ArgSpec = { schema: positive, description: 'A small constant for numerical stability.', default: 1e-7 };
const beta1: ArgSpec = { schema: unit, description: 'Exponential decay rate for the first moment estimates.', default: 0.9 };
const beta2: ArgSpec = { schema: unit, description: 'Exponential decay rate for the second moment estimates.', default: 0.999 };

/** Keras's arguments common to every optimizer. */
function common(weightDecay: number | null = null): Record<string, ArgSpec> {
  return {
    weight_decay: {
      schema: { type: ['number', 'null'], minimum: 0 },
      description: 'Decoupled weight decay: each step, every weight w becomes w - w * weight_decay * learning_rate before the update.',
      default: weightDecay,
    },
    clipnorm: { schema: optionalPositive, description: 'Clip each weight\'s gradient so its norm is at most this value.', default: null },
    clipvalue: { schema: optionalPositive, description: 'Clip each gradient element to [-clipvalue, clipvalue].', default: null },
    global_clipnorm: { schema: optionalPositive, description: 'Clip all gradients together so their global norm is at most this value.', default: null },
  };
}

function num(a: ArgMap, key: string, def: number): number {
  const v = a[key];
  return typeof v === 'number' ? v : def;
}
function bool(a: ArgMap, key: string, def: boolean): boolean {
  const v = a[key];
  return typeof v === 'boolean' ? v : def;
}
function opt(a: ArgMap, key: string): number | undefined {
  const v = a[key];
  return typeof v === 'number' ? v : undefined;
}

function baseOptions(a: ArgMap, defLr: number, defDecay?: number): BaseOptions {
  const rate = a.learning_rate;
  return {
    learningRate: typeof rate === 'object' && rate !== null ? buildSchedule(rate, 'learning_rate') : num(a, 'learning_rate', defLr),
    weightDecay: a.weight_decay === null ? undefined : opt(a, 'weight_decay') ?? defDecay,
    clipnorm: opt(a, 'clipnorm'),
    clipvalue: opt(a, 'clipvalue'),
    globalClipnorm: opt(a, 'global_clipnorm'),
  };
}

optimizers.register({
  name: 'SGD',
  description: 'Gradient descent, with optional (Nesterov) momentum.',
  positional: 'learning_rate',
  args: {
    learning_rate: lr(0.01),
    momentum: { schema: { type: 'number', minimum: 0 }, description: 'Accelerates gradient descent in the relevant direction and dampens oscillations.', default: 0 },
    nesterov: { schema: { type: 'boolean' }, description: 'Whether to apply Nesterov momentum.', default: false },
    ...common(),
  },
  build: (a) => new SGD(baseOptions(a, 0.01), { momentum: num(a, 'momentum', 0), nesterov: bool(a, 'nesterov', false) }),
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
    ...common(),
  },
  build: (a) =>
    new RMSprop(baseOptions(a, 0.001), {
      rho: num(a, 'rho', 0.9),
      momentum: num(a, 'momentum', 0),
      epsilon: num(a, 'epsilon', 1e-7),
      centered: bool(a, 'centered', false),
    }),
});

const adamArgs = (a: ArgMap) => ({
  beta1: num(a, 'beta_1', 0.9),
  beta2: num(a, 'beta_2', 0.999),
  epsilon: num(a, 'epsilon', 1e-7),
  amsgrad: bool(a, 'amsgrad', false),
});
const amsgrad: ArgSpec = { schema: { type: 'boolean' }, description: 'Whether to apply the AMSGrad variant (the maximum of past second moments).', default: false };

optimizers.register({
  name: 'Adam',
  description: 'Adam: stochastic gradient descent with adaptive estimates of first- and second-order moments.',
  positional: 'learning_rate',
  args: { learning_rate: lr(0.001), beta_1: beta1, beta_2: beta2, epsilon, amsgrad, ...common() },
  build: (a) => new Adam(baseOptions(a, 0.001), adamArgs(a)),
});

optimizers.register({
  name: 'AdamW',
  description: 'Adam with decoupled weight decay (Loshchilov & Hutter).',
  positional: 'learning_rate',
  args: { learning_rate: lr(0.001), beta_1: beta1, beta_2: beta2, epsilon, amsgrad, ...common(0.004) },
  build: (a) => new AdamW(baseOptions(a, 0.001, 0.004), adamArgs(a)),
});

optimizers.register({
  name: 'Nadam',
  description: 'Adam with Nesterov momentum.',
  positional: 'learning_rate',
  args: { learning_rate: lr(0.001), beta_1: beta1, beta_2: beta2, epsilon, ...common() },
  build: (a) => new Nadam(baseOptions(a, 0.001), { beta1: num(a, 'beta_1', 0.9), beta2: num(a, 'beta_2', 0.999), epsilon: num(a, 'epsilon', 1e-7) }),
});

optimizers.register({
  name: 'Adamax',
  description: 'A variant of Adam based on the infinity norm.',
  positional: 'learning_rate',
  args: {
    learning_rate: lr(0.001),
    beta_1: beta1,
    beta_2: { ...beta2, description: 'Exponential decay rate for the exponentially weighted infinity norm.' },
    epsilon,
    ...common(),
  },
  build: (a) => new Adamax(baseOptions(a, 0.001), { beta1: num(a, 'beta_1', 0.9), beta2: num(a, 'beta_2', 0.999), epsilon: num(a, 'epsilon', 1e-7) }),
});

optimizers.register({
  name: 'Adagrad',
  description: 'Parameter-specific learning rates, adapted to how frequently each parameter gets updated.',
  positional: 'learning_rate',
  args: {
    learning_rate: lr(0.001),
    initial_accumulator_value: { schema: { type: 'number', minimum: 0 }, description: 'Starting value for the per-parameter accumulators.', default: 0.1 },
    epsilon,
    ...common(),
  },
  build: (a) => new Adagrad(baseOptions(a, 0.001), { initialAccumulatorValue: num(a, 'initial_accumulator_value', 0.1), epsilon: num(a, 'epsilon', 1e-7) }),
});

optimizers.register({
  name: 'Adadelta',
  description: 'Adapts learning rates from a moving window of gradient updates.',
  positional: 'learning_rate',
  args: { learning_rate: lr(0.001), rho: { schema: unit, description: 'The decay rate.', default: 0.95 }, epsilon, ...common() },
  build: (a) => new Adadelta(baseOptions(a, 0.001), { rho: num(a, 'rho', 0.95), epsilon: num(a, 'epsilon', 1e-7) }),
});
