/** Embedding: integer indices to dense vectors. */
import * as tf from '@tensorflow/tfjs';
import type { LayerEntry } from '../types.js';
import { toTfConstraint, toTfRegularizer } from '../keras-names.js';
import { SALT, boolArg, constraintArg, init, initializerArg, posInt, regularizerArg } from './args.js';

export const Embedding: LayerEntry = {
  name: 'Embedding',
  category: 'embedding',
  description: 'Turns non-negative integer indices into dense vectors of size output_dim (a lookup table of input_dim rows).',
  inputShape: '2-D tensor (batch_size, sequence_length) of integer indices in [0, input_dim).',
  outputShape: '3-D tensor (batch_size, sequence_length, output_dim).',
  positional: 'input_dim',
  args: {
    input_dim: { schema: posInt, description: 'Size of the vocabulary: maximum integer index + 1.', required: true },
    output_dim: { schema: posInt, description: 'Dimension of the dense embedding.', required: true },
    embeddings_initializer: initializerArg('Initializer for the embeddings matrix.', 'uniform'),
    embeddings_regularizer: regularizerArg('Regularizer for the embeddings matrix.'),
    activity_regularizer: regularizerArg('Regularizer applied to the layer\'s output.'),
    embeddings_constraint: constraintArg('Constraint for the embeddings matrix.'),
    mask_zero: boolArg('Treat index 0 as padding, masked for downstream layers (then input_dim should be vocabulary + 1).', false),
    input_length: {
      schema: { anyOf: [posInt, { type: 'array', items: posInt }] },
      description: 'Length of input sequences (Keras 2); a shorthand for input_shape: [input_length] on the first layer.',
    },
  },
  build(a, common, ctx) {
    return tf.layers.embedding({
      ...common,
      inputDim: a.input_dim as number,
      outputDim: a.output_dim as number,
      embeddingsInitializer: init(a, 'embeddings_initializer', 'uniform', ctx.seed, SALT.embeddings),
      embeddingsRegularizer: toTfRegularizer(a.embeddings_regularizer),
      activityRegularizer: toTfRegularizer(a.activity_regularizer),
      embeddingsConstraint: toTfConstraint(a.embeddings_constraint),
      maskZero: (a.mask_zero as boolean | undefined) ?? false,
      inputLength: a.input_length as number | number[] | undefined,
    });
  },
};
