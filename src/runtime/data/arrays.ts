/**
 * Flat typed arrays between parsing and tensors: the validation split and reshaping happen here,
 * on Float32Arrays, so no tensor is created and then sliced.
 */
import * as tf from '@tensorflow/tfjs';
import type { SourceLocation } from '../../config/types.js';
import { DataError } from '../../util/errors.js';
import type { Examples, TensorMap } from './types.js';

export interface Arrays {
  n: number;
  /** n × prod(xShape) values. */
  x: Float32Array;
  /** Shape of one x sample. */
  xShape: number[];
  /** n × prod(yShape) values. */
  y: Float32Array;
  /** Shape of one y sample ([] for sparse class ids). */
  yShape: number[];
  /** Multi-output models: targets by output name (then `y` is empty). */
  ys?: Record<string, { y: Float32Array; yShape: number[] }>;
  /** Per-row sample weights (Keras's `sample_weight`), n values. */
  w?: Float32Array;
}

export function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function showShape(shape: (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;
}

/**
 * The shape of one x sample: the model's input shape when given (its size must match the number
 * of values per sample; one null dimension, "any length", takes what the data has), else `natural`.
 */
export function sampleShape(
  valuesPerSample: number,
  natural: number[],
  inputShape: (number | null)[] | undefined,
  what: string,
  loc: SourceLocation | undefined,
): number[] {
  if (!inputShape) return natural;
  const known = inputShape.filter((d): d is number => d !== null);
  const free = inputShape.length - known.length;
  const fixed = size(known);
  const filled = free === 1 && fixed > 0 && valuesPerSample % fixed === 0
    ? inputShape.map((d) => d ?? valuesPerSample / fixed)
    : inputShape;
  if (filled.some((d) => d === null || !Number.isInteger(d) || d <= 0) || size(filled as number[]) !== valuesPerSample) {
    throw new DataError({
      message:
        `the model's input_shape ${showShape(inputShape)} needs ${free > 0 ? 'a multiple of ' : ''}${fixed} values per sample, ` +
        `but ${what} (fix input_shape or the data's columns)`,
      loc,
    });
  }
  return filled as number[];
}

/** Rows [from, to) of both x and y (views, no copy). */
export function rows(a: Arrays, from: number, to: number): Arrays {
  const xs = size(a.xShape);
  const ys = size(a.yShape);
  const out: Arrays = { ...a, n: to - from, x: a.x.subarray(from * xs, to * xs), y: a.y.subarray(from * ys, to * ys) };
  if (a.ys) {
    out.ys = Object.fromEntries(
      Object.entries(a.ys).map(([k, t]) => {
        const per = size(t.yShape);
        return [k, { y: t.y.subarray(from * per, to * per), yShape: t.yShape }];
      }),
    );
  }
  if (a.w) out.w = a.w.subarray(from, to);
  return out;
}

/**
 * Keras's `validation_split`: the last fraction of the rows, before any shuffling, with
 * split_at = floor(n * (1 - validation_split)); an empty side is an error, as in Keras.
 */
export function validationSplit(a: Arrays, fraction: number, loc: SourceLocation | undefined): { train: Arrays; validation: Arrays } {
  if (!(fraction > 0 && fraction < 1)) {
    throw new DataError({ message: `validation_split must be between 0 and 1 (exclusive), got ${fraction}`, loc });
  }
  const splitAt = Math.floor(a.n * (1 - fraction));
  if (splitAt === 0 || splitAt === a.n) {
    throw new DataError({
      message:
        `the training data has ${a.n} samples, which is not sufficient to split it into a validation and ` +
        `training set as specified by validation_split=${fraction}; provide more data or a different validation_split`,
      loc,
    });
  }
  return { train: rows(a, 0, splitAt), validation: rows(a, splitAt, a.n) };
}

export function toExamples(a: Arrays): Examples {
  const x = tf.tensor(a.x, [a.n, ...a.xShape], 'float32');
  const y = a.ys ? targetMap(a.ys, a.n) : tf.tensor(a.y, [a.n, ...a.yShape], 'float32');
  return { x, y, ...(a.w ? { sampleWeight: tf.tensor1d(a.w, 'float32') } : {}), size: a.n };
}

/** Per-output targets as tensors by output name. */
export function targetMap(ys: NonNullable<Arrays['ys']>, n: number): TensorMap {
  return Object.fromEntries(Object.entries(ys).map(([k, t]) => [k, tf.tensor(t.y, [n, ...t.yShape], 'float32')]));
}
