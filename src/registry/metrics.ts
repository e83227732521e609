/**
 * Metrics under their Keras names. Every metric is stateful over the epoch like Keras's (see
 * `src/runtime/training/metrics-state.ts`) and is logged under the name the user wrote.
 */
import * as tf from '@tensorflow/tfjs';
import {
  AucMetric,
  MeanMetric,
  PrecisionMetric,
  RecallMetric,
  type Direction,
  type StatefulMetric,
} from '../runtime/training/metrics-state.js';
import { alignTrue, losses, perSample } from './losses.js';
import { Registry } from './registry.js';
import type { RegistryEntry } from './types.js';

/** What a metric needs to know to be created. */
export interface MetricContext {
  /** The name to log it under: what the user wrote (`acc`, `accuracy`, `mse`). */
  name: string;
  /** The compiled loss (canonical name); decides what `accuracy` means. */
  loss: string;
  /** Shapes of one batch of labels and predictions (batch dimension included, may be -1/null). */
  yTrueShape: readonly (number | null)[];
  yPredShape: readonly (number | null)[];
}

export interface MetricEntry extends RegistryEntry {
  /** `up` when larger is better; EarlyStopping/ReduceLROnPlateau `mode: auto` use it. */
  direction: Direction;
  create(ctx: MetricContext): StatefulMetric;
}

export const metrics = new Registry<MetricEntry>('metric');

const THRESHOLD = 0.5;
const TOP_K = 5;

/** Per-sample accuracies (shape [batch]), Keras's formulas. */
export const accuracyFns = {
  binary_accuracy: (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => perSample(tf.cast(tf.equal(alignTrue(yTrue, yPred), tf.cast(tf.greater(yPred, THRESHOLD), 'float32')), 'float32'))),
  categorical_accuracy: (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => perSample(tf.cast(tf.equal(tf.argMax(yTrue, -1), tf.argMax(yPred, -1)), 'float32'))),
  sparse_categorical_accuracy: (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const ids = tf.cast(tf.reshape(yTrue, yPred.shape.slice(0, -1)), 'int32');
      return perSample(tf.cast(tf.equal(ids, tf.argMax(yPred, -1)), 'float32'));
    }),
  /** In the top k when fewer than k classes score strictly higher than the true class (ties count as in, like TF's in_top_k). */
  sparse_top_k_categorical_accuracy: (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const depth = yPred.shape[yPred.shape.length - 1] ?? 1;
      const ids = tf.cast(tf.reshape(yTrue, yPred.shape.slice(0, -1)), 'int32');
      const trueScore = tf.sum(tf.mul(tf.oneHot(ids, depth), yPred), -1, true);
      const higher = tf.sum(tf.cast(tf.greater(yPred, trueScore), 'float32'), -1);
      return perSample(tf.cast(tf.less(higher, TOP_K), 'float32'));
    }),
  top_k_categorical_accuracy: (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => accuracyFns.sparse_top_k_categorical_accuracy(tf.argMax(yTrue, -1), yPred)),
};

/**
 * What `accuracy` means for a loss and output shape. The loss decides first (binary for
 * binary_crossentropy, sparse for sparse_categorical_crossentropy); otherwise Keras's shape rule:
 * a single output unit is binary, labels with one value per row against several output units
 * are sparse, anything else is categorical.
 */
export function resolveAccuracy(
  loss: string,
  yTrueShape: readonly (number | null)[],
  yPredShape: readonly (number | null)[],
): keyof typeof accuracyFns {
  const canonical = losses.find(loss)?.name ?? loss;
  if (canonical === 'binary_crossentropy') return 'binary_accuracy';
  if (canonical === 'sparse_categorical_crossentropy') return 'sparse_categorical_accuracy';
  if (canonical === 'categorical_crossentropy') return 'categorical_accuracy';
  const predLast = yPredShape[yPredShape.length - 1];
  const trueLast = yTrueShape[yTrueShape.length - 1];
  if (predLast === 1) return 'binary_accuracy';
  if (yTrueShape.length < yPredShape.length || (trueLast === 1 && predLast !== 1)) return 'sparse_categorical_accuracy';
  return 'categorical_accuracy';
}

metrics.register({
  name: 'accuracy',
  aliases: ['acc'],
  description:
    'How often predictions match labels; Keras picks binary_accuracy (binary_crossentropy or one output unit), sparse_categorical_accuracy (integer labels) or categorical_accuracy (one-hot labels).',
  args: {},
  direction: 'up',
  create: (c) => new MeanMetric(c.name, 'up', accuracyFns[resolveAccuracy(c.loss, c.yTrueShape, c.yPredShape)]),
});

function meanEntry(
  name: keyof typeof accuracyFns,
  aliases: string[],
  description: string,
): MetricEntry {
  return { name, aliases, description, args: {}, direction: 'up', create: (c) => new MeanMetric(c.name, 'up', accuracyFns[name]) };
}

metrics.register(meanEntry('binary_accuracy', ['BinaryAccuracy'], 'How often predictions (thresholded at 0.5) equal 0/1 labels.'));
metrics.register(meanEntry('categorical_accuracy', ['CategoricalAccuracy'], 'How often the predicted class (argmax) equals the one-hot label\'s class.'));
metrics.register(meanEntry('sparse_categorical_accuracy', ['SparseCategoricalAccuracy'], 'How often the predicted class (argmax) equals the integer label.'));
metrics.register(meanEntry('top_k_categorical_accuracy', ['TopKCategoricalAccuracy'], 'How often the one-hot label\'s class is among the 5 highest predictions.'));
metrics.register(meanEntry('sparse_top_k_categorical_accuracy', ['SparseTopKCategoricalAccuracy'], 'How often the integer label is among the 5 highest predictions.'));

/** Loss-valued metrics (mse, mae, ...): the loss's per-sample value averaged over the epoch. */
for (const [lossName, metricAliases] of [
  ['mean_squared_error', ['mse', 'MeanSquaredError']],
  ['mean_absolute_error', ['mae', 'MeanAbsoluteError']],
  ['mean_absolute_percentage_error', ['mape', 'MeanAbsolutePercentageError']],
  ['mean_squared_logarithmic_error', ['msle', 'MeanSquaredLogarithmicError']],
  ['binary_crossentropy', ['BinaryCrossentropy']],
  ['categorical_crossentropy', ['CategoricalCrossentropy']],
  ['sparse_categorical_crossentropy', ['SparseCategoricalCrossentropy']],
  ['kl_divergence', ['kld', 'KLDivergence']],
  ['poisson', ['Poisson']],
  ['log_cosh', ['logcosh', 'LogCosh']],
] as const) {
  const loss = losses.get(lossName);
  metrics.register({
    name: lossName,
    aliases: [...metricAliases],
    description: `${loss.description} Averaged over the epoch.`,
    args: {},
    direction: 'down',
    create: (c) => new MeanMetric(c.name, 'down', (t, p) => loss.compute(t, p)),
  });
}

metrics.register({
  name: 'precision',
  description: 'Precision over the epoch: true positives / (true positives + false positives), predictions thresholded at 0.5.',
  args: {},
  direction: 'up',
  create: (c) => new PrecisionMetric(c.name),
});

metrics.register({
  name: 'recall',
  description: 'Recall over the epoch: true positives / (true positives + false negatives), predictions thresholded at 0.5.',
  args: {},
  direction: 'up',
  create: (c) => new RecallMetric(c.name),
});

metrics.register({
  name: 'auc',
  description: 'Area under the ROC curve over the epoch (200 thresholds, trapezoidal interpolation), for 0/1 labels.',
  args: {},
  direction: 'up',
  create: (c) => new AucMetric(c.name),
});

/** Creates the stateful metric the user asked for under `ctx.name`. */
export function createMetric(ctx: MetricContext): StatefulMetric {
  return metrics.get(ctx.name).create(ctx);
}
