/**
 * The confusion matrix and per-class precision, recall and F1 of a classifier on held-out data
 * (the test set, else the validation set), written to the run folder as `confusion.json` at the
 * end of `kerats train` for the run report. Single-output classifiers with in-memory data only.
 */
import * as tf from '@tensorflow/tfjs';
import type { AnyExamples, TargetEncoding } from '../data/types.js';
import { isStreaming } from '../data/types.js';

export interface ClassScores {
  class: string;
  precision: number;
  recall: number;
  f1: number;
  /** Rows of this class in the data. */
  support: number;
}

export interface Confusion {
  /** Which data: `test` or `validation`. */
  data: string;
  classes: string[];
  /** matrix[true][predicted]: row counts. */
  matrix: number[][];
  per_class: ClassScores[];
  accuracy: number;
}

/** Class ids of labels: ids [n] / [n,1], one-hot rows [n,k], or 0/1 floats (binary). */
function labelIds(y: tf.Tensor, encoding: TargetEncoding): Int32Array {
  return tf.tidy(() => {
    if (encoding === 'categorical' || (y.rank === 2 && (y.shape[1] ?? 1) > 1)) return tf.argMax(y, -1).dataSync() as Int32Array;
    return tf.cast(tf.round(tf.reshape(y, [-1])), 'int32').dataSync() as Int32Array;
  });
}

export function confusionOf(trueIds: ArrayLike<number>, predIds: ArrayLike<number>, classes: string[], data: string): Confusion {
  const k = classes.length;
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < trueIds.length; i++) {
    const t = trueIds[i] as number;
    const p = predIds[i] as number;
    if (t < 0 || t >= k || p < 0 || p >= k) continue;
    (matrix[t] as number[])[p] = ((matrix[t] as number[])[p] ?? 0) + 1;
    if (t === p) correct++;
  }
  const per_class = classes.map((name, c) => {
    const tp = matrix[c]?.[c] ?? 0;
    const support = (matrix[c] ?? []).reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, row) => a + (row[c] ?? 0), 0);
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { class: name, precision, recall, f1, support };
  });
  return { data, classes, matrix, per_class, accuracy: trueIds.length > 0 ? correct / trueIds.length : 0 };
}

/** The classifier's confusion on `examples`, or undefined when the model or data is not one this applies to. */
export function classifierConfusion(
  model: tf.LayersModel,
  examples: AnyExamples | undefined,
  encoding: TargetEncoding,
  classNames: string[] | undefined,
  numClasses: number | undefined,
  data: string,
): Confusion | undefined {
  if (!examples || isStreaming(examples) || encoding === 'regression' || model.outputs.length !== 1) return undefined;
  if (!(examples.x instanceof tf.Tensor) || !(examples.y instanceof tf.Tensor) || examples.size === 0) return undefined;
  const k = encoding === 'binary' ? 2 : (numClasses ?? classNames?.length);
  if (!k || k < 2 || k > 100) return undefined;
  const classes = classNames && classNames.length === k ? classNames : Array.from({ length: k }, (_, i) => String(i));
  const pred = tf.tidy(() => {
    const out = model.predict(examples.x as tf.Tensor, { batchSize: 256 }) as tf.Tensor;
    if (encoding === 'binary' || (out.shape[out.shape.length - 1] ?? 1) === 1) return tf.cast(tf.greater(tf.reshape(out, [-1]), 0.5), 'int32');
    return tf.argMax(out, -1);
  });
  const predIds = pred.dataSync() as Int32Array;
  pred.dispose();
  return confusionOf(labelIds(examples.y, encoding), predIds, classes, data);
}
