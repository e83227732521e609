/**
 * Metrics under their Keras names. Every metric is stateful over the epoch like Keras's (see
 * `src/registry/metrics-state.ts`) and is logged under the name the user wrote.
 */
import * as tf from '@tensorflow/tfjs';
import {
  AucMetric,
  MeanMetric,
  PrecisionMetric,
  RecallMetric,
  type AucCurve,
  type AucSummation,
  type Direction,
  type StatefulMetric,
} from './metrics-state.js';
import { alignTrue, losses, perSample } from './losses.js';
import { ConfigError } from '../util/errors.js';
import { Registry } from './registry.js';
import type { RegistryEntry } from './types.js';

/** What a metric needs to know to be created. */
export interface MetricContext {
  /** The name to log it under: what the user wrote (`acc`, `accuracy`, `mse`). */
  name: string;
  /** The metric's arguments (`{AUC: {num_thresholds: 50}}`); none for metric strings. */
  args?: Record<string, unknown>;
  /** True when the loss takes logits (`from_logits`): `accuracy` then thresholds at 0 like Keras would need. */
  fromLogits?: boolean;
  /** The name to log under when it differs from `name` (multi-output prefixes: `main_output_accuracy`). */
  logName?: string;
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
  binary_accuracy: (yTrue: tf.Tensor, yPred: tf.Tensor) => binaryAccuracy(THRESHOLD)(yTrue, yPred),
  categorical_accuracy: (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => perSample(tf.cast(tf.equal(tf.argMax(yTrue, -1), tf.argMax(yPred, -1)), 'float32'))),
  sparse_categorical_accuracy: (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const ids = tf.cast(tf.reshape(yTrue, yPred.shape.slice(0, -1)), 'int32');
      return perSample(tf.cast(tf.equal(ids, tf.argMax(yPred, -1)), 'float32'));
    }),
  sparse_top_k_categorical_accuracy: (yTrue: tf.Tensor, yPred: tf.Tensor) => sparseTopK(TOP_K)(yTrue, yPred),
  top_k_categorical_accuracy: (yTrue: tf.Tensor, yPred: tf.Tensor) => topK(TOP_K)(yTrue, yPred),
};

/** 1 where (prediction > threshold) equals the 0/1 label, per sample. */
function binaryAccuracy(threshold: number) {
  return (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => perSample(tf.cast(tf.equal(alignTrue(yTrue, yPred), tf.cast(tf.greater(yPred, threshold), 'float32')), 'float32')));
}

/** In the top k when fewer than k classes score strictly higher than the true class (ties count as in, like TF's in_top_k). */
function sparseTopK(k: number) {
  return (yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const depth = yPred.shape[yPred.shape.length - 1] ?? 1;
      const ids = tf.cast(tf.reshape(yTrue, yPred.shape.slice(0, -1)), 'int32');
      const trueScore = tf.sum(tf.mul(tf.oneHot(ids, depth), yPred), -1, true);
      const higher = tf.sum(tf.cast(tf.greater(yPred, trueScore), 'float32'), -1);
      return perSample(tf.cast(tf.less(higher, k), 'float32'));
    });
}
function topK(k: number) {
  return (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.tidy(() => sparseTopK(k)(tf.argMax(yTrue, -1), yPred));
}

const argNum = (c: MetricContext, k: string, def: number): number => (typeof c.args?.[k] === 'number' ? (c.args[k] as number) : def);

/** A single threshold from Keras's `thresholds` (a number, or a one-element list; a list of several would log a list). */
function threshold(c: MetricContext): number {
  const t = c.args?.thresholds;
  if (typeof t === 'number') return t;
  if (Array.isArray(t) && t.length === 1 && typeof t[0] === 'number') return t[0];
  if (Array.isArray(t)) throw new ConfigError(`metric "${c.name}": "thresholds" must be one number (kerats logs one value per metric), got ${JSON.stringify(t)}`);
  return THRESHOLD;
}

const nameArg = { schema: { type: 'string', minLength: 1 }, description: 'The name the metric is logged under.' };

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
  create: (c) => {
    const kind = resolveAccuracy(c.loss, c.yTrueShape, c.yPredShape);
    // With from_logits the output is a logit: Keras users pass BinaryAccuracy(threshold=0); do it for them.
    const fn = kind === 'binary_accuracy' && c.fromLogits ? binaryAccuracy(0) : accuracyFns[kind];
    return new MeanMetric(c.name, 'up', fn);
  },
});

function meanEntry(
  name: keyof typeof accuracyFns,
  aliases: string[],
  description: string,
): MetricEntry {
  return { name, aliases, description, args: {}, direction: 'up', create: (c) => new MeanMetric(c.name, 'up', accuracyFns[name]) };
}

metrics.register({
  ...meanEntry('binary_accuracy', ['BinaryAccuracy'], 'How often predictions (above `threshold`, 0.5 by default) equal 0/1 labels.'),
  args: { threshold: { schema: { type: 'number' }, description: 'Predictions above it count as 1.', default: 0.5 }, name: nameArg },
  create: (c) => new MeanMetric(c.name, 'up', binaryAccuracy(argNum(c, 'threshold', THRESHOLD))),
});
metrics.register(meanEntry('categorical_accuracy', ['CategoricalAccuracy'], 'How often the predicted class (argmax) equals the one-hot label\'s class.'));
metrics.register(meanEntry('sparse_categorical_accuracy', ['SparseCategoricalAccuracy'], 'How often the predicted class (argmax) equals the integer label.'));
const kArg = { schema: { type: 'integer', minimum: 1 }, description: 'How many of the highest predictions count.', default: TOP_K };
metrics.register({
  ...meanEntry('top_k_categorical_accuracy', ['TopKCategoricalAccuracy'], 'How often the one-hot label\'s class is among the k (default 5) highest predictions.'),
  args: { k: kArg, name: nameArg },
  create: (c) => new MeanMetric(c.name, 'up', topK(argNum(c, 'k', TOP_K))),
});
metrics.register({
  ...meanEntry('sparse_top_k_categorical_accuracy', ['SparseTopKCategoricalAccuracy'], 'How often the integer label is among the k (default 5) highest predictions.'),
  args: { k: kArg, name: nameArg },
  create: (c) => new MeanMetric(c.name, 'up', sparseTopK(argNum(c, 'k', TOP_K))),
});
metrics.register({
  name: 'cosine_similarity',
  aliases: ['CosineSimilarity'],
  description: 'Cosine similarity between labels and predictions along the last axis, averaged over the epoch.',
  args: { name: nameArg },
  direction: 'up',
  create: (c) => {
    const loss = losses.get('cosine_similarity');
    return new MeanMetric(c.name, 'up', (t, p) => tf.neg(loss.compute(t, p)));
  },
});

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

const thresholdsArg = { schema: { anyOf: [{ type: 'number', minimum: 0, maximum: 1 }, { type: 'array', items: { type: 'number' }, minItems: 1, maxItems: 1 }] }, description: 'Predictions above this threshold count as positive.', default: 0.5 };

metrics.register({
  name: 'precision',
  aliases: ['Precision'],
  description: 'Precision over the epoch: true positives / (true positives + false positives), predictions above `thresholds` (0.5) positive.',
  args: { thresholds: thresholdsArg, name: nameArg },
  direction: 'up',
  create: (c) => new PrecisionMetric(c.name, threshold(c)),
});

metrics.register({
  name: 'recall',
  aliases: ['Recall'],
  description: 'Recall over the epoch: true positives / (true positives + false negatives), predictions above `thresholds` (0.5) positive.',
  args: { thresholds: thresholdsArg, name: nameArg },
  direction: 'up',
  create: (c) => new RecallMetric(c.name, threshold(c)),
});

/** Keras's spellings (`AUCCurve.from_str`, `AUCSummationMethod.from_str`) → one each. */
const AUC_CURVES: Record<string, AucCurve> = { ROC: 'ROC', roc: 'ROC', PR: 'PR', pr: 'PR' };
const AUC_SUMMATIONS: Record<string, AucSummation> = {
  interpolation: 'interpolation',
  Interpolation: 'interpolation',
  minoring: 'minoring',
  Minoring: 'minoring',
  majoring: 'majoring',
  Majoring: 'majoring',
};

metrics.register({
  name: 'auc',
  aliases: ['AUC'],
  description:
    'Area under the ROC (or precision-recall) curve over the epoch, from confusion counts at num_thresholds thresholds, for 0/1 labels; summed as Keras does (trapezoids for ROC, Davis & Goadrich interpolation for PR).',
  args: {
    num_thresholds: { schema: { type: 'integer', minimum: 2 }, description: 'Number of thresholds to discretize the curve with.', default: 200 },
    curve: { schema: { enum: Object.keys(AUC_CURVES) }, description: 'ROC (true-positive rate over false-positive rate) or PR (precision over recall).', default: 'ROC' },
    summation_method: {
      schema: { enum: Object.keys(AUC_SUMMATIONS) },
      description:
        'How the area between consecutive thresholds is summed: `interpolation` (trapezoids for ROC; for PR, the Davis & Goadrich interpolation of true and false positives), `minoring` (the lower of the two heights) or `majoring` (the higher).',
      default: 'interpolation',
    },
    from_logits: { schema: { type: 'boolean' }, description: 'Predictions are logits: a sigmoid is applied first.', default: false },
    name: nameArg,
  },
  direction: 'up',
  create: (c) =>
    new AucMetric(
      c.name,
      argNum(c, 'num_thresholds', 200),
      AUC_CURVES[String(c.args?.curve ?? 'ROC')] ?? 'ROC',
      c.args?.from_logits === true,
      AUC_SUMMATIONS[String(c.args?.summation_method ?? 'interpolation')] ?? 'interpolation',
    ),
});

/** Creates the stateful metric the user asked for (looked up by `ctx.name`), logged under `ctx.logName` or `ctx.name`. */
export function createMetric(ctx: MetricContext): StatefulMetric {
  return metrics.get(ctx.name).create({ ...ctx, name: ctx.logName ?? ctx.name });
}
