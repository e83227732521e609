/**
 * Stateful metrics, as Keras keeps them: each accumulates sufficient statistics (totals and
 * counts, confusion counts) over every batch of the epoch, and its result is computed from those
 * totals — so precision over an epoch is TP/(TP+FP) over all batches, not a mean of per-batch
 * precisions.
 *
 * To keep GPU/wasm round trips to one per batch, a metric does not read its tensors itself: it
 * returns this batch's statistics as a small 1-D tensor (`batchStats`); the trainer concatenates
 * all metrics' statistics with the loss, reads them back once, and hands each its slice
 * (`accumulate`).
 */
import * as tf from '@tensorflow/tfjs';

export type Direction = 'up' | 'down';

export interface StatefulMetric {
  /** The name logged (as the user wrote it, like Keras: `accuracy`, `val_accuracy`). */
  readonly name: string;
  /** `up` when larger is better (accuracy, AUC), `down` for errors. EarlyStopping's `mode: auto` uses it. */
  readonly direction: Direction;
  /** Length of the tensor `batchStats` returns. */
  readonly statsSize: number;
  /**
   * This batch's sufficient statistics, a float32 1-D tensor of length `statsSize`. Called inside
   * a tidy scope; `sampleWeight` is [batch] when given.
   */
  batchStats(yTrue: tf.Tensor, yPred: tf.Tensor, sampleWeight?: tf.Tensor): tf.Tensor;
  /** Adds statistics read back from `batchStats`. */
  accumulate(stats: ArrayLike<number>): void;
  /** The metric over everything accumulated since `reset`. */
  result(): number;
  reset(): void;
}

/** x / y, or 0 when y is 0 (Keras's divide_no_nan). */
function divideNoNan(x: number, y: number): number {
  return y === 0 ? 0 : x / y;
}

/** Broadcasts a [batch] weight over a tensor's trailing axes. */
function weightLike(sampleWeight: tf.Tensor, like: tf.Tensor): tf.Tensor {
  const shape = [sampleWeight.size, ...Array<number>(Math.max(0, like.rank - 1)).fill(1)];
  return tf.mul(tf.reshape(tf.cast(sampleWeight, 'float32'), shape), tf.onesLike(like));
}

/**
 * A per-sample function averaged over all samples seen (Keras's MeanMetricWrapper): accuracy
 * variants, mse, mae, ... . Statistics: [Σ w·value, Σ w].
 */
export class MeanMetric implements StatefulMetric {
  readonly statsSize = 2;
  private total = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly direction: Direction,
    private readonly perSample: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor,
  ) {}

  batchStats(yTrue: tf.Tensor, yPred: tf.Tensor, sampleWeight?: tf.Tensor): tf.Tensor {
    const v = tf.cast(this.perSample(yTrue, yPred), 'float32');
    if (!sampleWeight) return tf.stack([tf.sum(v), tf.scalar(v.size)]);
    const w = tf.cast(tf.reshape(sampleWeight, v.shape), 'float32');
    return tf.stack([tf.sum(tf.mul(v, w)), tf.sum(w)]);
  }

  accumulate(stats: ArrayLike<number>): void {
    this.total += stats[0] ?? 0;
    this.count += stats[1] ?? 0;
  }

  result(): number {
    return divideNoNan(this.total, this.count);
  }

  reset(): void {
    this.total = 0;
    this.count = 0;
  }
}

/**
 * Labels as 0/1 per prediction element. Integer class ids against a several-unit output are
 * one-hot encoded first (Keras would reject the shapes; counting each class's column as a binary
 * decision is the micro-averaged reading of precision/recall/AUC).
 */
function binaryLabels(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const depth = yPred.shape[yPred.shape.length - 1] ?? 1;
  if (depth > 1 && yTrue.size * depth === yPred.size) return tf.oneHot(tf.cast(tf.reshape(yTrue, [-1]), 'int32'), depth);
  return yTrue;
}

/**
 * Counts of a thresholded binary confusion matrix over all elements (Keras flattens multi-output
 * predictions the same way). Predictions strictly above a threshold count as positive.
 */
function confusionCounts(yTrue: tf.Tensor, yPred: tf.Tensor, thresholds: number[], sampleWeight?: tf.Tensor) {
  const t = tf.reshape(tf.cast(binaryLabels(yTrue, yPred), 'float32'), [-1, 1]);
  const p = tf.reshape(yPred, [-1, 1]);
  const w = sampleWeight ? tf.reshape(weightLike(sampleWeight, yPred), [-1, 1]) : tf.onesLike(t);
  const predPos = tf.cast(tf.greater(p, tf.tensor2d(thresholds, [1, thresholds.length])), 'float32'); // [n, T]
  const isPos = tf.cast(tf.greater(t, 0.5), 'float32'); // labels are 0/1
  const wPos = tf.mul(w, isPos);
  const wNeg = tf.mul(w, tf.sub(1, isPos));
  const tp = tf.sum(tf.mul(predPos, wPos), 0);
  const fp = tf.sum(tf.mul(predPos, wNeg), 0);
  const fn = tf.sub(tf.sum(wPos), tp);
  const tn = tf.sub(tf.sum(wNeg), fp);
  return { tp, fp, tn, fn };
}

/** Precision = TP / (TP + FP) over the epoch at `threshold` (Keras's default 0.5). Statistics: [TP, FP]. */
export class PrecisionMetric implements StatefulMetric {
  readonly statsSize = 2;
  readonly direction = 'up';
  private tp = 0;
  private fp = 0;
  constructor(readonly name: string, private readonly threshold = 0.5) {}
  batchStats(yTrue: tf.Tensor, yPred: tf.Tensor, sampleWeight?: tf.Tensor): tf.Tensor {
    const c = confusionCounts(yTrue, yPred, [this.threshold], sampleWeight);
    return tf.concat([c.tp, c.fp]);
  }
  accumulate(s: ArrayLike<number>): void {
    this.tp += s[0] ?? 0;
    this.fp += s[1] ?? 0;
  }
  result(): number {
    return divideNoNan(this.tp, this.tp + this.fp);
  }
  reset(): void {
    this.tp = 0;
    this.fp = 0;
  }
}

/** Recall = TP / (TP + FN) over the epoch at `threshold` (Keras's default 0.5). Statistics: [TP, FN]. */
export class RecallMetric implements StatefulMetric {
  readonly statsSize = 2;
  readonly direction = 'up';
  private tp = 0;
  private fn = 0;
  constructor(readonly name: string, private readonly threshold = 0.5) {}
  batchStats(yTrue: tf.Tensor, yPred: tf.Tensor, sampleWeight?: tf.Tensor): tf.Tensor {
    const c = confusionCounts(yTrue, yPred, [this.threshold], sampleWeight);
    return tf.concat([c.tp, c.fn]);
  }
  accumulate(s: ArrayLike<number>): void {
    this.tp += s[0] ?? 0;
    this.fn += s[1] ?? 0;
  }
  result(): number {
    return divideNoNan(this.tp, this.tp + this.fn);
  }
  reset(): void {
    this.tp = 0;
    this.fn = 0;
  }
}

/**
 * Area under the ROC curve, Keras's default AUC: 200 thresholds spread over [0, 1] (plus one
 * just below 0 and one just above 1), confusion counts per threshold accumulated over the
 * epoch, trapezoidal Riemann sum ("interpolation" summation). Statistics: [TP×T, FP×T, TN×T, FN×T].
 */
export class AucMetric implements StatefulMetric {
  readonly direction = 'up';
  readonly statsSize: number;
  private readonly thresholds: number[];
  private counts: Float64Array;

  constructor(
    readonly name: string,
    numThresholds = 200,
    private readonly curve: 'ROC' | 'PR' = 'ROC',
    private readonly fromLogits = false,
  ) {
    const eps = 1e-7;
    const inner = Array.from({ length: numThresholds - 2 }, (_, i) => (i + 1) / (numThresholds - 1));
    this.thresholds = [0 - eps, ...inner, 1 + eps];
    this.statsSize = 4 * numThresholds;
    this.counts = new Float64Array(this.statsSize);
  }

  batchStats(yTrue: tf.Tensor, yPred: tf.Tensor, sampleWeight?: tf.Tensor): tf.Tensor {
    const c = confusionCounts(yTrue, this.fromLogits ? tf.sigmoid(yPred) : yPred, this.thresholds, sampleWeight);
    return tf.concat([c.tp, c.fp, c.tn, c.fn]);
  }

  accumulate(s: ArrayLike<number>): void {
    for (let i = 0; i < this.statsSize; i++) this.counts[i] = (this.counts[i] ?? 0) + (s[i] ?? 0);
  }

  result(): number {
    const n = this.thresholds.length;
    const at = (block: number, i: number) => this.counts[block * n + i] ?? 0;
    let auc = 0;
    let prevX = 0;
    let prevY = 0;
    for (let i = 0; i < n; i++) {
      const tp = at(0, i), fp = at(1, i), tn = at(2, i), fn = at(3, i);
      // ROC: y = true-positive rate over x = false-positive rate; PR: y = precision over x = recall
      // (trapezoids, Keras's `summation_method: interpolation` for ROC; a close reading for PR).
      const y = this.curve === 'PR' ? divideNoNan(tp, tp + fp) : divideNoNan(tp, tp + fn);
      const x = this.curve === 'PR' ? divideNoNan(tp, tp + fn) : divideNoNan(fp, fp + tn);
      // Thresholds rise, so rates fall: area between consecutive points, trapezoid heights.
      if (i > 0) auc += (prevX - x) * ((prevY + y) / 2);
      prevX = x;
      prevY = y;
    }
    return auc;
  }

  reset(): void {
    this.counts = new Float64Array(this.statsSize);
  }
}
