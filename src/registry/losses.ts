/**
 * Losses under their Keras names and aliases. Each computes Keras's formula (keras/src/losses,
 * `from_logits=False`, epsilon 1e-7 as Keras's backend epsilon) and returns the per-sample loss,
 * shape [batch]; the trainer takes the (sample-weighted) mean over the batch like Keras's
 * `sum_over_batch_size` reduction.
 */
import * as tf from '@tensorflow/tfjs';
import type { BoundCompileSpec, CompileSpec, LossRef, NamedEntry } from '../config/types.js';
import type { TargetEncoding } from '../runtime/data/types.js';
import { Registry } from './registry.js';
import type { ArgSpec, RegistryEntry } from './types.js';

export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

export interface LossEntry extends RegistryEntry {
  /** How labels must be encoded for this loss. */
  target: TargetEncoding;
  /** Per-sample loss with Keras's default arguments, shape [batch]. */
  compute: LossFn;
  /** The per-sample loss for the user's arguments (`from_logits`, `label_smoothing`, `delta`, ...). */
  withArgs?(args: Record<string, unknown>): LossFn;
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

const fromLogits: ArgSpec = {
  schema: { type: 'boolean' },
  description: 'Whether predictions are logits (no sigmoid/softmax on the output layer) rather than probabilities.',
  default: false,
};
const labelSmoothing: ArgSpec = {
  schema: { type: 'number', minimum: 0, maximum: 1 },
  description: 'Squeezes labels towards 0.5 (binary) or 1/classes (categorical) by this amount.',
  default: 0,
};
const flag = (a: Record<string, unknown>, k: string): boolean => a[k] === true;
const amount = (a: Record<string, unknown>, k: string, def: number): number => (typeof a[k] === 'number' ? (a[k] as number) : def);

/** Elementwise binary cross-entropy of 0/1 (or smoothed) labels; logits use the stable sigmoid form. */
function binaryCe(t: tf.Tensor, p: tf.Tensor, logits: boolean): tf.Tensor {
  // max(x, 0) − x·z + log(1 + exp(−|x|)), TensorFlow's sigmoid_cross_entropy_with_logits.
  if (logits) return tf.add(tf.sub(tf.relu(p), tf.mul(p, t)), tf.log1p(tf.exp(tf.neg(tf.abs(p)))));
  const q = tf.clipByValue(p, EPSILON, 1 - EPSILON);
  return tf.neg(tf.add(tf.mul(t, tf.log(q)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, q)))));
}

/** Categorical cross-entropy over the last axis, on probabilities or logits (log-softmax). */
function categoricalCe(oneHot: tf.Tensor, yPred: tf.Tensor, logits: boolean): tf.Tensor {
  return logits ? tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(yPred)), -1)) : crossentropy(oneHot, yPred);
}

function smoothCategorical(t: tf.Tensor, ls: number): tf.Tensor {
  if (ls <= 0) return t;
  const classes = t.shape[t.shape.length - 1] ?? 1;
  return tf.add(tf.mul(t, 1 - ls), ls / classes);
}
const smoothBinary = (t: tf.Tensor, ls: number): tf.Tensor => (ls > 0 ? tf.add(tf.mul(t, 1 - ls), 0.5 * ls) : t);

/** Integer labels [batch] / [batch, 1] as one-hot rows matching yPred. */
function sparseOneHot(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const depth = yPred.shape[yPred.shape.length - 1] ?? 1;
  // Labels are [batch] or [batch, 1] (or [batch, ..., 1] for sequences): one id per prediction row.
  return tf.oneHot(tf.cast(tf.reshape(yTrue, yPred.shape.slice(0, -1)), 'int32'), depth);
}

function bce(a: Record<string, unknown>): LossFn {
  const logits = flag(a, 'from_logits');
  const ls = amount(a, 'label_smoothing', 0);
  return (yTrue, yPred) => tf.tidy(() => perSample(binaryCe(smoothBinary(alignTrue(yTrue, yPred), ls), yPred, logits)));
}
function cce(a: Record<string, unknown>): LossFn {
  const logits = flag(a, 'from_logits');
  const ls = amount(a, 'label_smoothing', 0);
  return (yTrue, yPred) => tf.tidy(() => perSample(categoricalCe(smoothCategorical(alignTrue(yTrue, yPred), ls), yPred, logits)));
}
function scce(a: Record<string, unknown>): LossFn {
  const logits = flag(a, 'from_logits');
  return (yTrue, yPred) => tf.tidy(() => perSample(categoricalCe(sparseOneHot(yTrue, yPred), yPred, logits)));
}

losses.register({
  name: 'binary_crossentropy',
  aliases: ['BinaryCrossentropy'],
  description: 'Cross-entropy between 0/1 labels and predicted probabilities (sigmoid output), averaged over the last axis.',
  args: { from_logits: fromLogits, label_smoothing: labelSmoothing },
  target: 'binary',
  compute: bce({}),
  withArgs: bce,
});

losses.register({
  name: 'categorical_crossentropy',
  aliases: ['CategoricalCrossentropy'],
  description: 'Cross-entropy between one-hot labels and predicted class probabilities (softmax output).',
  args: { from_logits: fromLogits, label_smoothing: labelSmoothing },
  target: 'categorical',
  compute: cce({}),
  withArgs: cce,
});

losses.register({
  name: 'sparse_categorical_crossentropy',
  aliases: ['SparseCategoricalCrossentropy'],
  description: 'Cross-entropy between integer class ids and predicted class probabilities (softmax output).',
  args: { from_logits: fromLogits },
  target: 'sparse',
  compute: scce({}),
  withArgs: scce,
});

/**
 * Keras's binary focal cross-entropy: bce·(1 − p_t)^gamma with p_t = y·p + (1−y)(1−p), optionally
 * weighted by alpha for positives and 1 − alpha for negatives (`apply_class_balancing`).
 */
function binaryFocal(a: Record<string, unknown>): LossFn {
  const logits = flag(a, 'from_logits');
  const ls = amount(a, 'label_smoothing', 0);
  const gamma = amount(a, 'gamma', 2);
  const alpha = amount(a, 'alpha', 0.25);
  const balance = flag(a, 'apply_class_balancing');
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const t = smoothBinary(alignTrue(yTrue, yPred), ls);
      const p = logits ? tf.sigmoid(yPred) : yPred;
      const ce = binaryCe(t, p, false);
      const pt = tf.add(tf.mul(t, p), tf.mul(tf.sub(1, t), tf.sub(1, p)));
      let focal = tf.mul(tf.pow(tf.sub(1, pt), gamma), ce);
      if (balance) focal = tf.mul(tf.add(tf.mul(t, alpha), tf.mul(tf.sub(1, t), 1 - alpha)), focal);
      return perSample(focal);
    });
}

/** Keras's categorical focal cross-entropy: Σ alpha·(1 − p)^gamma·(−y·log p) over the last axis. */
function categoricalFocal(a: Record<string, unknown>): LossFn {
  const logits = flag(a, 'from_logits');
  const ls = amount(a, 'label_smoothing', 0);
  const gamma = amount(a, 'gamma', 2);
  const alpha = amount(a, 'alpha', 0.25);
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const t = smoothCategorical(alignTrue(yTrue, yPred), ls);
      const probs = logits ? tf.softmax(yPred) : yPred;
      const p = tf.clipByValue(tf.div(probs, tf.sum(probs, -1, true)), EPSILON, 1 - EPSILON);
      const ce = tf.neg(tf.mul(t, tf.log(p)));
      return perSample(tf.sum(tf.mul(tf.mul(alpha, tf.pow(tf.sub(1, p), gamma)), ce), -1));
    });
}

const gammaArg: ArgSpec = { schema: { type: 'number', minimum: 0 }, description: 'Focusing parameter: how strongly easy examples are down-weighted.', default: 2 };
const alphaArg: ArgSpec = { schema: { type: 'number', minimum: 0, maximum: 1 }, description: 'Weighting factor of the positive class.', default: 0.25 };

losses.register({
  name: 'binary_focal_crossentropy',
  aliases: ['BinaryFocalCrossentropy'],
  description: 'Binary cross-entropy down-weighting well-classified examples by (1 - p_t)^gamma.',
  args: {
    apply_class_balancing: { schema: { type: 'boolean' }, description: 'Weight positives by alpha and negatives by 1 - alpha.', default: false },
    alpha: alphaArg,
    gamma: gammaArg,
    from_logits: fromLogits,
    label_smoothing: labelSmoothing,
  },
  target: 'binary',
  compute: binaryFocal({}),
  withArgs: binaryFocal,
});

losses.register({
  name: 'categorical_focal_crossentropy',
  aliases: ['CategoricalFocalCrossentropy'],
  description: 'Categorical cross-entropy down-weighting well-classified examples by alpha * (1 - p)^gamma.',
  args: { alpha: alphaArg, gamma: gammaArg, from_logits: fromLogits, label_smoothing: labelSmoothing },
  target: 'categorical',
  compute: categoricalFocal({}),
  withArgs: categoricalFocal,
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

function huber(a: Record<string, unknown>): LossFn {
  const delta = amount(a, 'delta', 1.0);
  return meanOfElementwise((t, p) => {
    const abs = tf.abs(tf.sub(p, t));
    const quadratic = tf.mul(0.5, tf.square(abs));
    const linear = tf.sub(tf.mul(delta, abs), 0.5 * delta * delta);
    return tf.where(tf.lessEqual(abs, delta), quadratic, linear);
  });
}

losses.register({
  name: 'huber',
  aliases: ['huber_loss', 'Huber'],
  description: 'Huber loss: 0.5 * x^2 where |x| <= delta, delta * |x| - 0.5 * delta^2 elsewhere (x = y_pred - y_true), averaged over the last axis.',
  args: { delta: { schema: { type: 'number', exclusiveMinimum: 0 }, description: 'The point where the loss changes from quadratic to linear.', default: 1.0 } },
  target: regression,
  compute: huber({}),
  withArgs: huber,
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

/** True for a loss with arguments (`{type, args}`), as opposed to a map of losses by output name. */
export function isLossEntry(v: unknown): v is NamedEntry {
  return typeof v === 'object' && v !== null && typeof (v as NamedEntry).type === 'string' && typeof (v as NamedEntry).args === 'object';
}

/** The loss for one output: the single loss, or the map's entry for `output` (its first entry when no name is given). */
export function lossRefFor(loss: BoundCompileSpec['loss'], output?: string): LossRef | undefined {
  if (typeof loss === 'string' || isLossEntry(loss)) return loss;
  if (output !== undefined) return loss[output];
  return Object.values(loss)[0];
}

/** The label encoding a loss needs (`sparse` for sparse_categorical_crossentropy, ...); per output for a map of losses. */
export function targetEncodingFor(loss: BoundCompileSpec['loss'], output?: string): TargetEncoding {
  const ref = lossRefFor(loss, output);
  if (ref === undefined) throw new Error(`internal: no loss for output ${String(output)}`);
  return losses.get(typeof ref === 'string' ? ref : ref.type).target;
}

/** A loss as the compile section names it: its entry and its per-sample function with the user's arguments. */
export interface ResolvedLoss {
  entry: LossEntry;
  compute: LossFn;
  /** The user's arguments (from_logits decides how `accuracy` thresholds, ...). */
  args: Record<string, unknown>;
}

/** Resolves `"mse"` or `{type: "CategoricalCrossentropy", args: {...}}`; undefined when the name is unknown. */
export function resolveLoss(ref: string | { type: string; args: Record<string, unknown> }): ResolvedLoss | undefined {
  const name = typeof ref === 'string' ? ref : ref.type;
  const args = typeof ref === 'string' ? {} : ref.args;
  const entry = losses.find(name);
  if (!entry) return undefined;
  const compute = Object.keys(args).length > 0 && entry.withArgs ? entry.withArgs(args) : entry.compute;
  return { entry, compute, args };
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A normalised `{canonical_name: {args}}` of `registry` as a NamedEntry, else undefined. */
export function entryFromJson(v: unknown, find: (name: string) => RegistryEntry | undefined): NamedEntry | undefined {
  if (!isPlain(v)) return undefined;
  const keys = Object.keys(v);
  const name = keys[0];
  if (keys.length !== 1 || name === undefined || !find(name)) return undefined;
  const args = v[name];
  if (args !== null && args !== undefined && !isPlain(args)) return undefined;
  return { type: name, args: args ?? {} };
}

/** The normalised document's `compile.loss` as the trainer takes it (string, `{type, args}`, a list in output order, or a map by output). */
export function lossFromJson(v: unknown): CompileSpec['loss'] {
  if (typeof v === 'string') return v;
  const e = entryFromJson(v, (n) => losses.find(n));
  if (e) return e;
  const one = (x: unknown): LossRef => entryFromJson(x, (n) => losses.find(n)) ?? String(x);
  if (Array.isArray(v)) return v.map(one);
  const out: Record<string, LossRef> = {};
  if (isPlain(v)) for (const [k, x] of Object.entries(v)) out[k] = one(x);
  return out;
}
