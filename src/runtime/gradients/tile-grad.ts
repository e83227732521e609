/**
 * Tile's gradient as one reshape and one sum. tfjs's own Tile gradient adds up one slice of dy per
 * repetition (a Slice and an Add kernel each): tfjs's LayerNormalization tiles gamma and beta
 * over batch x time, so on a [32, 64, 64] input each of them cost 2,048 Slice + Add pairs, ~60 ms of
 * a Transformer's backward pass per LayerNorm. dy of Tile(x, reps) is laid out as
 * [reps[0], x[0], reps[1], x[1], ...], so the gradient is that view summed over the reps axes.
 */
import * as tf from '@tensorflow/tfjs';

export function tileGradient(dy: tf.Tensor, xShape: readonly number[], reps: readonly number[]): tf.Tensor {
  const view: number[] = [];
  const axes: number[] = [];
  xShape.forEach((size, i) => {
    const r = reps[i] ?? 1;
    if (r > 1) axes.push(view.length);
    if (r > 1) view.push(r);
    view.push(size);
  });
  if (axes.length === 0) return tf.reshape(dy, [...xShape]);
  return tf.reshape(tf.sum(tf.reshape(dy, view), axes), [...xShape]);
}

export const tileGradConfig: tf.GradConfig = {
  kernelName: tf.Tile,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as tf.Tensor[];
    const reps = (attrs as unknown as { reps: number[] }).reps;
    return { x: () => tileGradient(dy as tf.Tensor, (x as tf.Tensor).shape, reps) };
  },
};
