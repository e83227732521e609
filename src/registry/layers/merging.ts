/**
 * Merge layers: Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum, Dot. They take a
 * list of inputs (`inputs: [a, b]` in a functional model) and return one tensor, as in Keras.
 * tfjs-layers lacks Subtract; it is an Add whose merge function subtracts.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerEntry } from '../types.js';

type LayerArgs = NonNullable<Parameters<typeof tf.layers.add>[0]>;
type MergeCtor = new (args?: LayerArgs) => tf.layers.Layer;
const AddBase = tf.layers.add({}).constructor as MergeCtor;

/** Keras's `Subtract`: `inputs[0] - inputs[1]`, exactly two inputs of the same shape. */
export class SubtractLayer extends AddBase {
  static className = 'Subtract';
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) {
      throw new Error(`Subtract takes exactly 2 inputs, got ${Array.isArray(inputShape[0]) ? inputShape.length : 1}`);
    }
    super.build(inputShape);
  }
  protected mergeFunction(inputs: tf.Tensor[]): tf.Tensor {
    return tf.sub(inputs[0] as tf.Tensor, inputs[1] as tf.Tensor);
  }
}
tf.serialization.registerClass(SubtractLayer as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

const elementwise = (name: string, what: string, make: (args: LayerArgs) => tf.layers.Layer): LayerEntry => ({
  name,
  category: 'merging',
  description: `${what} of a list of inputs, all of the same shape (broadcasting as in Keras).`,
  inputShape: 'A list of tensors of the same shape (in a functional model: `inputs: [a, b, ...]`).',
  outputShape: 'The shape of the inputs.',
  args: {},
  build(_a, common) {
    return make({ ...common });
  },
});

export const Add = elementwise('Add', 'Element-wise sum', (a) => tf.layers.add(a));
export const Subtract: LayerEntry = {
  ...elementwise('Subtract', 'Element-wise difference (first minus second)', (a) => new SubtractLayer(a)),
  description: 'Subtracts two inputs: inputs[0] - inputs[1], both of the same shape.',
  inputShape: 'Exactly two tensors of the same shape.',
};
export const Multiply = elementwise('Multiply', 'Element-wise product', (a) => tf.layers.multiply(a));
export const Average = elementwise('Average', 'Element-wise mean', (a) => tf.layers.average(a));
export const Maximum = elementwise('Maximum', 'Element-wise maximum', (a) => tf.layers.maximum(a));
export const Minimum = elementwise('Minimum', 'Element-wise minimum', (a) => tf.layers.minimum(a));

export const Concatenate: LayerEntry = {
  name: 'Concatenate',
  category: 'merging',
  description: 'Concatenates a list of inputs along `axis`; all other dimensions must match.',
  inputShape: 'A list of tensors, the same shape except along `axis`.',
  outputShape: 'The inputs\' shape with `axis` the sum of their sizes.',
  positional: 'axis',
  args: {
    axis: { schema: { type: 'integer' }, description: 'Axis along which to concatenate (-1: the last).', default: -1 },
  },
  build(a, common) {
    return tf.layers.concatenate({ ...common, axis: (a.axis as number | undefined) ?? -1 });
  },
};

export const Dot: LayerEntry = {
  name: 'Dot',
  category: 'merging',
  description: 'Dot product between samples of two inputs along `axes`; with `normalize: true` the cosine similarity.',
  inputShape: 'Two tensors (batch, ..., n) whose sizes along `axes` match.',
  outputShape: 'The two shapes with the `axes` dimensions contracted.',
  positional: 'axes',
  args: {
    axes: {
      schema: { anyOf: [{ type: 'integer' }, { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 }] },
      description: 'Axis, or one axis per input, along which to take the dot product.',
      required: true,
    },
    normalize: { schema: { type: 'boolean' }, description: 'L2-normalise the samples along the axes first (cosine proximity).', default: false },
  },
  build(a, common) {
    const axes = Array.isArray(a.axes) ? ([a.axes[0], a.axes[1]] as [number, number]) : (a.axes as number);
    return tf.layers.dot({ ...common, axes, normalize: (a.normalize as boolean | undefined) ?? false });
  },
};
