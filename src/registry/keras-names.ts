/**
 * Keras names for activations, initializers, regularizers and constraints, translated to what
 * tfjs-layers accepts. tfjs rejects several Keras spellings (`l2`, `LecunNormal`, ...), so every
 * layer builder passes these arguments through here.
 *
 * STARTER VERSION: the layers helper completes the tables (all Keras activations, initializers
 * with their arguments and seeds, `{l2: 0.01}` / `{l1_l2: {...}}`, MaxNorm/NonNeg/UnitNorm/MinMaxNorm).
 */
import * as tf from '@tensorflow/tfjs';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import type { JsonSchema } from './types.js';

/** Keras activation name → tfjs activation identifier. */
export const ACTIVATIONS: Record<string, string> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  sigmoid: 'sigmoid',
  hard_sigmoid: 'hardSigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  softplus: 'softplus',
  softsign: 'softsign',
  elu: 'elu',
  selu: 'selu',
  swish: 'swish',
  gelu: 'gelu',
  mish: 'mish',
  log_softmax: 'logSoftmax',
};

export const ACTIVATION_SCHEMA: JsonSchema = { anyOf: [{ enum: Object.keys(ACTIVATIONS) }, { type: 'null' }] };

export function toTfActivation(name: unknown): string | undefined {
  if (name === undefined || name === null) return undefined;
  const key = String(name).toLowerCase();
  const found = ACTIVATIONS[key];
  if (!found) throw new Error(`unknown activation "${String(name)}"`);
  return found;
}

/** Keras initializer name → tfjs initializer factory, seeded where tfjs honours seeds. */
const INITIALIZERS: Record<string, (seed?: number) => Initializer> = {
  zeros: () => tf.initializers.zeros(),
  ones: () => tf.initializers.ones(),
  glorot_uniform: (seed) => tf.initializers.glorotUniform({ seed }),
  glorot_normal: (seed) => tf.initializers.glorotNormal({ seed }),
  he_uniform: (seed) => tf.initializers.heUniform({ seed }),
  he_normal: (seed) => tf.initializers.heNormal({ seed }),
  lecun_uniform: (seed) => tf.initializers.leCunUniform({ seed }),
  lecun_normal: (seed) => tf.initializers.leCunNormal({ seed }),
  orthogonal: (seed) => tf.initializers.orthogonal({ seed }),
};

export const INITIALIZER_SCHEMA: JsonSchema = { enum: Object.keys(INITIALIZERS) };

export function toTfInitializer(name: unknown, seed?: number): Initializer | undefined {
  if (name === undefined || name === null) return undefined;
  const key = String(name).replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  const make = INITIALIZERS[key];
  if (!make) throw new Error(`unknown initializer "${String(name)}"`);
  return make(seed);
}
