/**
 * Losses under their Keras names and aliases. Each computes Keras's formula (keras/src/losses,
 * `from_logits=False`, epsilon 1e-7 as Keras's backend epsilon) and returns the per-sample loss,
 * shape [batch]; the trainer takes the (sample-weighted) mean over the batch like Keras's
 * `sum_over_batch_size` reduction.
 */
import * as tf from '@tensorflow/tfjs';
import type { TargetEncoding } from '../runtime/data/types.js';
import { Registry } from './registry.js';
import type { RegistryEntry } from './types.js';

export interface LossEntry extends RegistryEntry {
  /** How labels must be encoded for this loss. */
  target: TargetEncoding;
  /** Per-sample loss, shape [batch]. */
  compute(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor;
}

/** Keras's `backend.epsilon()`. */
export const EPSILON = 1e-7;

export const losses = new Registry<LossEntry>('loss');

/**
 * Labels may arrive as [batch] while the model predicts [batch, 1] (binary and regression
 * encodings); Keras squeezes/expands them the same way before applying the formula.
 */
export function alignTrue(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const t = yTrue.dtype === 'float32' ? yTrue : tf.cast(yTrue, 'float32');
  if (t.size === yPred.size && !tf.util.arraysEqual(t.shape, yPred.shape)) return tf.reshape(t, yPred.shape);
  return t;
}

/** Reduces an elementwise or last-axis-reduced loss to one value per sample (mean over the rest). */
export function perSample(t: tf.Tensor): tf.Tensor {
  if (t.rank <= 1) return t;
  const axes = Array.from({ length: t.rank - 1 }, (_, i) => i + 1);
  return tf.mean(t, axes);
}

/** Helper for the common "elementwise f, mean over the last axis" losses (mse, mae, ...). */
function meanOfElementwise(f: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor) {
  return (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor =>
    tf.tidy(() => perSample(f(alignTrue(yTrue, yPred), yPred)));
}

/** Hinge losses accept -1/1 labels; Keras converts 0/1 labels to -1/1 first (convert_binary_labels_to_hinge). */
function hingeLabels(yTrue: tf.Tensor): tf.Tensor {
  const isBinary = tf.all(tf.logicalOr(tf.equal(yTrue, 0), tf.equal(yTrue, 1)));
  return tf.where(isBinary, tf.sub(tf.mul(yTrue, 2), 1), yTrue);
}

function l2Normalize(x: tf.Tensor): tf.Tensor {
  const sq = tf.sum(tf.square(x), -1, true);
  return tf.mul(x, tf.rsqrt(tf.maximum(sq, 1e-12)));
}

/** Categorical cross-entropy on probabilities, as Keras's backend does: renormalise, clip, -Σ y·log p. */
function crossentropy(oneHot: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const p = tf.clipByValue(tf.div(yPred, tf.sum(yPred, -1, true)), EPSILON, 1 - EPSILON);
  return tf.neg(tf.sum(tf.mul(oneHot, tf.log(p)), -1));
}

const regression = 'regression' as const;

losses.register({
  name: 'mean_squared_error',
  aliases: ['mse', 'MeanSquaredError'],
  description: 'Mean of the squared differences between labels and predictions: mean(square(y_true - y_pred)).',
  args: {},
  target: regression,
  compute: meanOfElementwise((t, p) => tf.square(tf.sub(t, p))),
});

losses.register({
  name: 'mean_absolute_error',
  aliases: ['mae', 'MeanAbsoluteError'],
  description: 'Mean of the absolute differences between labels and predictions: mean(abs(y_true - y_pred)).',
  args: {},
  target: regression,
  compute: meanOfElementwise((t, p) => tf.abs(tf.sub(t, p))),
});

losses.register({
  name: 'mean_absolute_percentage_error',
  aliases: ['mape', 'MeanAbsolutePercentageError'],
  description: 'Mean absolute percentage error: 100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon))).',
  args: {},
  target: regression,
  compute: meanOfElementwise((t, p) =>
    tf.mul(100, tf.abs(tf.div(tf.sub(t, p), tf.maximum(tf.abs(t), EPSILON))))),
});

losses.register({
  name: 'mean_squared_logarithmic_error',
  aliases: ['msle', 'MeanSquaredLogarithmicError'],
  description: 'Mean squared logarithmic error: mean(square(log(y_pred + 1) - log(y_true + 1))), values floored at epsilon.',
  args: {},
  target: regression,
  compute: meanOfElementwise((t, p) =>
    tf.square(tf.sub(tf.log1p(tf.maximum(p, EPSILON)), tf.log1p(tf.maximum(t, EPSILON))))),
});

losses.register({
  name: 'binary_crossentropy',
  aliases: ['BinaryCrossentropy'],
  description: 'Cross-entropy between 0/1 labels and predicted probabilities (sigmoid output), averaged over the last axis.',
  args: {},
  target: 'binary',
  compute: meanOfElementwise((t, p) => {
    const q = tf.clipByValue(p, EPSILON, 1 - EPSILON);
    return tf.neg(tf.add(tf.mul(t, tf.log(q)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, q)))));
  }),
});

losses.register({
  name: 'categorical_crossentropy',
  aliases: ['CategoricalCrossentropy'],
  description: 'Cross-entropy between one-hot labels and predicted class probabilities (softmax output).',
  args: {},
  target: 'categorical',
  compute: (yTrue, yPred) => tf.tidy(() => perSample(crossentropy(alignTrue(yTrue, yPred), yPred))),
});

losses.register({
  name: 'sparse_categorical_crossentropy',
  aliases: ['SparseCategoricalCrossentropy'],
  description: 'Cross-entropy between integer class ids and predicted class probabilities (softmax output).',
  args: {},
  target: 'sparse',
  compute: (yTrue, yPred) =>
    tf.tidy(() => {
      const depth = yPred.shape[yPred.shape.length - 1] ?? 1;
      // Labels are [batch] or [batch, 1] (or [batch, ..., 1] for sequences): one id per prediction row.
      const ids = tf.cast(tf.reshape(yTrue, yPred.shape.slice(0, -1)), 'int32');
      return perSample(crossentropy(tf.oneHot(ids, depth), yPred));
    }),
});

losses.register({
  name: 'hinge',
  aliases: ['Hinge'],
  description: 'Hinge loss: mean(maximum(1 - y_true * y_pred, 0)); labels -1/1 (0/1 labels are converted).',
  args: {},
  target: 'binary',
  compute: meanOfElementwise((t, p) => tf.relu(tf.sub(1, tf.mul(hingeLabels(t), p)))),
});

losses.register({
  name: 'squared_hinge',
  aliases: ['SquaredHinge'],
  description: 'Squared hinge loss: mean(square(maximum(1 - y_true * y_pred, 0))); labels -1/1 (0/1 labels are converted).',
  args: {},
  target: 'binary',
  compute: meanOfElementwise((t, p) => tf.square(tf.relu(tf.sub(1, tf.mul(hingeLabels(t), p))))),
});

losses.register({
  name: 'categorical_hinge',
  aliases: ['CategoricalHinge'],
  description: 'Categorical hinge loss: maximum(neg - pos + 1, 0) with pos = sum(y_true * y_pred), neg = max((1 - y_true) * y_pred).',
  args: {},
  target: 'categorical',
  compute: (yTrue, yPred) =>
    tf.tidy(() => {
      const t = alignTrue(yTrue, yPred);
      const pos = tf.sum(tf.mul(t, yPred), -1);
      const neg = tf.max(tf.mul(tf.sub(1, t), yPred), -1);
      return perSample(tf.relu(tf.add(tf.sub(neg, pos), 1)));
    }),
});

losses.register({
  name: 'kl_divergence',
  aliases: ['kld', 'kullback_leibler_divergence', 'KLDivergence'],
  description: 'Kullback-Leibler divergence: sum(y_true * log(y_true / y_pred)), both clipped to [epsilon, 1].',
  args: {},
  target: 'categorical',
  compute: (yTrue, yPred) =>
    tf.tidy(() => {
      const t = tf.clipByValue(alignTrue(yTrue, yPred), EPSILON, 1);
      const p = tf.clipByValue(yPred, EPSILON, 1);
      return perSample(tf.sum(tf.mul(t, tf.log(tf.div(t, p))), -1));
    }),
});

losses.register({
  name: 'poisson',
  aliases: ['Poisson'],
  description: 'Poisson loss: mean(y_pred - y_true * log(y_pred + epsilon)).',
  args: {},
  target: regression,
  compute: meanOfElementwise((t, p) => tf.sub(p, tf.mul(t, tf.log(tf.add(p, EPSILON))))),
});

losses.register({
  name: 'cosine_similarity',
  aliases: ['CosineSimilarity'],
  description: 'Negative cosine similarity between labels and predictions along the last axis: -sum(l2_normalize(y_true) * l2_normalize(y_pred)).',
  args: {},
  target: regression,
  compute: (yTrue, yPred) =>
    tf.tidy(() => perSample(tf.neg(tf.sum(tf.mul(l2Normalize(alignTrue(yTrue, yPred)), l2Normalize(yPred)), -1)))),
});

losses.register({
  name: 'huber',
  aliases: ['huber_loss', 'Huber'],
  description: 'Huber loss with delta 1.0: 0.5 * x^2 where |x| <= 1, |x| - 0.5 elsewhere (x = y_pred - y_true), averaged over the last axis.',
  args: {},
  target: regression,
  compute: meanOfElementwise((t, p) => {
    const delta = 1.0;
    const abs = tf.abs(tf.sub(p, t));
    const quadratic = tf.mul(0.5, tf.square(abs));
    const linear = tf.sub(tf.mul(delta, abs), 0.5 * delta * delta);
    return tf.where(tf.lessEqual(abs, delta), quadratic, linear);
  }),
});

losses.register({
  name: 'log_cosh',
  aliases: ['logcosh', 'LogCosh'],
  description: 'Logarithm of the hyperbolic cosine of the prediction error, averaged over the last axis.',
  args: {},
  target: regression,
  // log(cosh(x)) = x + softplus(-2x) - log(2): Keras's numerically stable form.
  compute: meanOfElementwise((t, p) => {
    const x = tf.sub(p, t);
    return tf.sub(tf.add(x, tf.softplus(tf.mul(-2, x))), Math.log(2));
  }),
});

/** The label encoding a loss needs (`sparse` for sparse_categorical_crossentropy, ...). */
export function targetEncodingFor(loss: string): TargetEncoding {
  return losses.get(loss).target;
}
