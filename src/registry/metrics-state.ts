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

export type AucCurve = 'ROC' | 'PR';
/** Keras's `summation_method`: how the area between two thresholds' points is taken. */
export type AucSummation = 'interpolation' | 'minoring' | 'majoring';

/**
 * Area under the ROC (default) or precision-recall curve, as Keras's AUC computes it:
 * `num_thresholds` thresholds spread over [0, 1] (the ends moved just outside), confusion counts per
 * threshold accumulated over the epoch, then a Riemann sum over consecutive thresholds:
 * `interpolation` uses trapezoids for ROC and, for PR, Davis & Goadrich's interpolation (Keras's
 * `interpolate_pr_auc`: true and false positives vary linearly between thresholds, precision does
 * not); `minoring` / `majoring` use the smaller / larger of the two heights.
 * Statistics: [TP×T, FP×T, TN×T, FN×T].
 */
export class AucMetric implements StatefulMetric {
  readonly direction = 'up';
  readonly statsSize: number;
  private readonly thresholds: number[];
  private counts: Float64Array;

  constructor(
    readonly name: string,
    numThresholds = 200,
    private readonly curve: AucCurve = 'ROC',
    private readonly fromLogits = false,
    private readonly summation: AucSummation = 'interpolation',
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

  private column(block: number): number[] {
    const n = this.thresholds.length;
    return Array.from({ length: n }, (_, i) => this.counts[block * n + i] ?? 0);
  }

  result(): number {
    const [tp, fp, tn, fn] = [0, 1, 2, 3].map((b) => this.column(b)) as [number[], number[], number[], number[]];
    if (this.curve === 'PR' && this.summation === 'interpolation') return interpolatePrAuc(tp, fp, fn);
    const n = tp.length;
    const at = (a: number[], i: number) => a[i] ?? 0;
    const recall = (i: number) => divideNoNan(at(tp, i), at(tp, i) + at(fn, i));
    // ROC: y = true-positive rate over x = false-positive rate; PR: y = precision over x = recall.
    const x = (i: number) => (this.curve === 'ROC' ? divideNoNan(at(fp, i), at(fp, i) + at(tn, i)) : recall(i));
    const y = (i: number) => (this.curve === 'ROC' ? recall(i) : divideNoNan(at(tp, i), at(tp, i) + at(fp, i)));
    let auc = 0;
    for (let i = 0; i + 1 < n; i++) {
      const [a, b] = [y(i), y(i + 1)];
      const height = this.summation === 'interpolation' ? (a + b) / 2 : this.summation === 'minoring' ? Math.min(a, b) : Math.max(a, b);
      // Thresholds rise, so x falls: the width is x[i] - x[i+1].
      auc += (x(i) - x(i + 1)) * height;
    }
    return auc;
  }

  reset(): void {
    this.counts = new Float64Array(this.statsSize);
  }
}

/**
 * Keras's `interpolate_pr_auc` (Davis & Goadrich 2006, section 4): between consecutive thresholds
 * A and B, TP and P = TP + FP vary linearly, so precision = TP / P integrates in closed form to
 * slope · (ΔTP + intercept · ln(P_A / P_B)) / (TP_B + FN_B), where slope = ΔTP / ΔP and
 * intercept = TP_B − slope · P_B; with P_A or P_B zero the log term is dropped.
 */
export function interpolatePrAuc(tp: readonly number[], fp: readonly number[], fn: readonly number[]): number {
  let auc = 0;
  for (let i = 0; i + 1 < tp.length; i++) {
    const tpA = tp[i] ?? 0, tpB = tp[i + 1] ?? 0;
    const pA = tpA + (fp[i] ?? 0), pB = tpB + (fp[i + 1] ?? 0);
    const dtp = tpA - tpB;
    const slope = divideNoNan(dtp, Math.max(pA - pB, 0));
    const intercept = tpB - slope * pB;
    const ratio = pA > 0 && pB > 0 ? divideNoNan(pA, Math.max(pB, 0)) : 1;
    auc += divideNoNan(slope * (dtp + intercept * Math.log(ratio)), Math.max(tpB + (fn[i + 1] ?? 0), 0));
  }
  return auc;
}
