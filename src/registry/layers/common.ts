/**
 * Arguments every Keras layer accepts, and their translation to tfjs's names. Kept here so no
 * layer file repeats them.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ArgMap, ArgSpec, TfLayerCommonArgs } from '../types.js';

const dim = { type: 'integer', minimum: 1 };

export const COMMON_LAYER_ARGS: Record<string, ArgSpec> = {
  name: { schema: { type: 'string', minLength: 1 }, description: 'Name of the layer; unique within the model.' },
  trainable: { schema: { type: 'boolean' }, description: 'Whether the layer\'s weights are updated by training.', default: true },
  dtype: { schema: { enum: ['float32', 'int32'] }, description: 'The dtype of the layer\'s computations and weights.' },
  input_shape: {
    schema: { type: 'array', items: { anyOf: [dim, { type: 'null' }] }, minItems: 1 },
    description: 'Shape of one input sample, without the batch dimension (first layer only).',
  },
  input_dim: { schema: dim, description: 'Shorthand for `input_shape: [input_dim]` (first layer only).' },
  batch_size: { schema: dim, description: 'Fixed batch size, with `input_shape` (first layer only).' },
  batch_input_shape: {
    schema: { type: 'array', items: { anyOf: [dim, { type: 'null' }] }, minItems: 2 },
    description: 'Shape of the input including the batch dimension (first layer only).',
  },
};

/**
 * Splits a layer's Keras arguments into its own and the common ones (translated to tfjs names).
 * `ownArgs` are the layer's own argument names: they win over a common name (Embedding's
 * `input_dim` is its vocabulary size, not an input shape).
 */
export function splitCommonArgs(args: ArgMap, ownArgs: Iterable<string> = []): { own: ArgMap; common: TfLayerCommonArgs } {
  const own: ArgMap = {};
  const common: TfLayerCommonArgs = {};
  const mine = new Set(ownArgs);
  for (const [k, v] of Object.entries(args)) {
    if (mine.has(k)) {
      own[k] = v;
      continue;
    }
    switch (k) {
      case 'name': common.name = v as string; break;
      case 'trainable': common.trainable = v as boolean; break;
      case 'dtype': common.dtype = v as tf.DataType; break;
      case 'input_shape': common.inputShape = v as (number | null)[]; break;
      case 'input_dim': common.inputShape = [v as number]; break;
      case 'batch_size': common.batchSize = v as number; break;
      case 'batch_input_shape': common.batchInputShape = v as (number | null)[]; break;
      default: own[k] = v;
    }
  }
  return { own, common };
}
