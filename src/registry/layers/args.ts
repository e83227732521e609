/**
 * Argument specs and conversions that several layer families share (kernel/bias initializers,
 * regularizers, constraints, int-or-tuple sizes, padding, data_format), so each layer file only
 * states what is particular to it.
 */
import {
  ACTIVATION_SCHEMA, CONSTRAINT_SCHEMA, INITIALIZER_SCHEMA, REGULARIZER_SCHEMA,
  toTfActivation, toTfConstraint, toTfInitializer, toTfRegularizer,
} from '../keras-names.js';
import type { ArgMap, ArgSpec, JsonSchema } from '../types.js';
import { subSeed } from './seed.js';

export const posInt: JsonSchema = { type: 'integer', minimum: 1 };
export const nonNegInt: JsonSchema = { type: 'integer', minimum: 0 };

/** An int, or a list of `n` ints, like Keras's `kernel_size=3` / `kernel_size=(3, 3)`. */
export function intOrTuple(n: number, min = 1): JsonSchema {
  const item = { type: 'integer', minimum: min };
  return n === 1
    ? { anyOf: [item, { type: 'array', items: item, minItems: 1, maxItems: 1 }] }
    : { anyOf: [item, { type: 'array', items: item, minItems: n, maxItems: n }] };
}

/** Expands an int to an n-tuple; passes a list through (the schema already checked its length). */
export function tuple(v: unknown, n: number): number[] {
  if (Array.isArray(v)) return v.map(Number);
  return Array.from({ length: n }, () => Number(v));
}

export function optTuple(v: unknown, n: number): number[] | undefined {
  return v === undefined || v === null ? undefined : tuple(v, n);
}

export const ACTIVATION_ARG = (def: string | null, what = 'Activation function'): ArgSpec => ({
  schema: ACTIVATION_SCHEMA,
  description: `${what}${def === null ? '; none (linear) by default' : ''}.`,
  default: def,
});

export const boolArg = (description: string, def: boolean): ArgSpec => ({ schema: { type: 'boolean' }, description, default: def });
export const numArg = (description: string, def: number, schema: JsonSchema = { type: 'number' }): ArgSpec => ({ schema, description, default: def });

export const PADDING_ARG: ArgSpec = {
  schema: { enum: ['valid', 'same'] },
  description: '"valid" (no padding) or "same" (pad so the output keeps the input\'s spatial size at stride 1).',
  default: 'valid',
};

export const DATA_FORMAT_ARG: ArgSpec = {
  schema: { enum: ['channels_last', 'channels_first'] },
  description: 'Ordering of the dimensions: channels_last (batch, ..., channels) or channels_first.',
  default: 'channels_last',
};

export type TfDataFormat = 'channelsLast' | 'channelsFirst';

export function toDataFormat(v: unknown): TfDataFormat | undefined {
  if (v === undefined || v === null) return undefined;
  return v === 'channels_first' ? 'channelsFirst' : 'channelsLast';
}

export function initializerArg(description: string, def: string): ArgSpec {
  return { schema: INITIALIZER_SCHEMA, description, default: def };
}
export function regularizerArg(description: string): ArgSpec {
  return { schema: REGULARIZER_SCHEMA, description, default: null };
}
export function constraintArg(description: string): ArgSpec {
  return { schema: CONSTRAINT_SCHEMA, description, default: null };
}

/** kernel_*, bias_* and activity_regularizer: what Dense, Conv and friends take. */
export function weightArgs(kernelInit = 'glorot_uniform'): Record<string, ArgSpec> {
  return {
    use_bias: boolArg('Whether the layer uses a bias vector.', true),
    kernel_initializer: initializerArg('Initializer for the kernel weights.', kernelInit),
    bias_initializer: initializerArg('Initializer for the bias vector.', 'zeros'),
    kernel_regularizer: regularizerArg('Regularizer applied to the kernel weights.'),
    bias_regularizer: regularizerArg('Regularizer applied to the bias vector.'),
    activity_regularizer: regularizerArg('Regularizer applied to the layer\'s output.'),
    kernel_constraint: constraintArg('Constraint applied to the kernel weights.'),
    bias_constraint: constraintArg('Constraint applied to the bias vector.'),
  };
}

/** Salts so each weight of a layer draws from its own random stream. */
export const SALT = { kernel: 1, bias: 2, recurrent: 3, depthwise: 4, pointwise: 5, embeddings: 6, gamma: 7, beta: 8, alpha: 9, noise: 10 } as const;

/** Keras arg (or its Keras default) → seeded tfjs initializer. */
export function init(a: ArgMap, key: string, def: string, seed: number | undefined, salt: number): ReturnType<typeof toTfInitializer> {
  return toTfInitializer(a[key] ?? def, subSeed(seed, salt));
}

/** The tfjs translation of `weightArgs`, with Keras defaults. */
export function tfWeightArgs(a: ArgMap, seed: number | undefined, kernelInit = 'glorot_uniform') {
  return {
    useBias: (a.use_bias as boolean | undefined) ?? true,
    kernelInitializer: init(a, 'kernel_initializer', kernelInit, seed, SALT.kernel),
    biasInitializer: init(a, 'bias_initializer', 'zeros', seed, SALT.bias),
    kernelRegularizer: toTfRegularizer(a.kernel_regularizer),
    biasRegularizer: toTfRegularizer(a.bias_regularizer),
    activityRegularizer: toTfRegularizer(a.activity_regularizer),
    kernelConstraint: toTfConstraint(a.kernel_constraint),
    biasConstraint: toTfConstraint(a.bias_constraint),
  };
}

/**
 * The tfjs activation for a Keras `activation` argument. Always a name: an explicit null means
 * linear, which must be said to tfjs (its recurrent layers read "absent" as tanh). tfjs types
 * activations as a closed string union; kerats registers more names (keras-activations.ts).
 */
export function activation(v: unknown, def: string | null = null): never {
  return (toTfActivation(v === undefined ? def : v) ?? 'linear') as never;
}
