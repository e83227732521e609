/** Core layers: Dense, Activation, Flatten, Reshape, Permute, RepeatVector, Masking. */
import * as tf from '@tensorflow/tfjs';
import type { LayerEntry } from '../types.js';
import { ACTIVATION_ARG, DATA_FORMAT_ARG, activation, numArg, posInt, tfWeightArgs, toDataFormat, weightArgs } from './args.js';

export const Dense: LayerEntry = {
  name: 'Dense',
  category: 'core',
  description: 'Densely-connected layer: output = activation(dot(input, kernel) + bias).',
  inputShape: 'N-D tensor with shape (batch_size, ..., input_dim).',
  outputShape: 'N-D tensor with shape (batch_size, ..., units).',
  positional: 'units',
  args: {
    units: { schema: posInt, description: 'Dimensionality of the output space.', required: true },
    activation: ACTIVATION_ARG(null),
    ...weightArgs(),
  },
  build(a, common, ctx) {
    return tf.layers.dense({
      ...common,
      units: a.units as number,
      activation: activation(a.activation),
      ...tfWeightArgs(a, ctx.seed),
    });
  },
};

export const Activation: LayerEntry = {
  name: 'Activation',
  category: 'core',
  description: 'Applies an activation function to its input.',
  inputShape: 'Arbitrary.',
  outputShape: 'Same shape as input.',
  positional: 'activation',
  args: { activation: { ...ACTIVATION_ARG(null, 'Activation function, such as "relu"'), required: true } },
  build(a, common) {
    return tf.layers.activation({ ...common, activation: activation(a.activation) });
  },
};

export const Flatten: LayerEntry = {
  name: 'Flatten',
  category: 'reshaping',
  description: 'Flattens the input, keeping the batch dimension.',
  inputShape: '(batch_size, ...), rank 3 or more (tfjs cannot flatten a rank-2 input, where Keras would return it unchanged).',
  outputShape: '(batch_size, product of the other dimensions).',
  args: { data_format: DATA_FORMAT_ARG },
  build(a, common) {
    return tf.layers.flatten({ ...common, dataFormat: toDataFormat(a.data_format) });
  },
};

type Shape = (number | null)[];
const ReshapeBase = tf.layers.reshape({ targetShape: [1] }).constructor as new (args: Parameters<typeof tf.layers.reshape>[0]) => tf.layers.Layer;

/** tfjs reports a -1 in target_shape as an unknown (None) dimension (and rewrites the array it is given); Keras infers it. */
class KerasReshape extends ReshapeBase {
  constructor(private readonly target: number[], args: Parameters<typeof tf.layers.reshape>[0]) {
    super(args);
  }
  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const dims = s.slice(1);
    const known = this.target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    if (dims.some((d) => d === null) || !this.target.includes(-1) || known === 0) {
      return super.computeOutputShape(inputShape) as Shape;
    }
    const total = (dims as number[]).reduce((a, b) => a * b, 1);
    return [s[0] ?? null, ...this.target.map((d) => (d === -1 ? total / known : d))];
  }
}

export const Reshape: LayerEntry = {
  name: 'Reshape',
  category: 'reshaping',
  description: 'Reshapes the input to `target_shape` (batch dimension kept); one entry may be -1 (inferred).',
  inputShape: 'Arbitrary, with a known size.',
  outputShape: '(batch_size, *target_shape).',
  positional: 'target_shape',
  args: {
    target_shape: {
      schema: { type: 'array', items: { type: 'integer', minimum: -1, not: { const: 0 } }, minItems: 1 },
      description: 'Target shape, without the batch dimension.',
      required: true,
    },
  },
  build(a, common) {
    return new KerasReshape([...(a.target_shape as number[])], { ...common, targetShape: [...(a.target_shape as number[])] });
  },
};

export const Permute: LayerEntry = {
  name: 'Permute',
  category: 'reshaping',
  description: 'Permutes the dimensions of the input; `dims` is 1-indexed and excludes the batch dimension, e.g. [2, 1].',
  inputShape: 'Arbitrary.',
  outputShape: 'The input shape with its dimensions reordered by `dims`.',
  positional: 'dims',
  args: {
    dims: { schema: { type: 'array', items: posInt, minItems: 1 }, description: 'Permutation pattern, 1-indexed, batch excluded.', required: true },
  },
  build(a, common) {
    return tf.layers.permute({ ...common, dims: a.dims as number[] });
  },
};

export const RepeatVector: LayerEntry = {
  name: 'RepeatVector',
  category: 'reshaping',
  description: 'Repeats the input n times.',
  inputShape: '2-D tensor (batch_size, features).',
  outputShape: '3-D tensor (batch_size, n, features).',
  positional: 'n',
  args: { n: { schema: posInt, description: 'Repetition factor.', required: true } },
  build(a, common) {
    return tf.layers.repeatVector({ ...common, n: a.n as number });
  },
};

export const Masking: LayerEntry = {
  name: 'Masking',
  category: 'core',
  description: 'Masks timesteps whose features all equal `mask_value`; downstream layers that support masking skip them.',
  inputShape: '(batch_size, timesteps, features).',
  outputShape: 'Same shape as input.',
  positional: 'mask_value',
  args: { mask_value: numArg('Value marking a timestep to skip.', 0) },
  build(a, common) {
    return tf.layers.masking({ ...common, maskValue: (a.mask_value as number | undefined) ?? 0 });
  },
};
