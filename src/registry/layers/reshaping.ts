/**
 * Padding, cropping and upsampling (Flatten, Reshape, Permute and RepeatVector are in core.ts).
 * Cropping1D/3D and UpSampling1D/3D are kerats' own (custom/resampling.ts). Not offered: ZeroPadding3D.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerEntry } from '../types.js';
import { DATA_FORMAT_ARG, nonNegInt, posInt, toDataFormat } from './args.js';
import { ZeroPadding1DLayer } from './zero-padding-1d.js';
import * as custom from './custom/resampling.js';

type Pair = [number, number];

/** Keras's `int | (a, b) | ((top, bottom), (left, right))` for 2-D padding and cropping. */
const pad2dSchema = {
  anyOf: [
    nonNegInt,
    { type: 'array', items: nonNegInt, minItems: 2, maxItems: 2 },
    { type: 'array', items: { type: 'array', items: nonNegInt, minItems: 2, maxItems: 2 }, minItems: 2, maxItems: 2 },
  ],
};

function pad2d(v: unknown, def: number): [Pair, Pair] {
  if (v === undefined || v === null) return [[def, def], [def, def]];
  if (typeof v === 'number') return [[v, v], [v, v]];
  const [h, w] = v as unknown[];
  if (Array.isArray(h)) return [h as Pair, w as Pair];
  return [[Number(h), Number(h)], [Number(w), Number(w)]];
}

export const ZeroPadding1D: LayerEntry = {
  name: 'ZeroPadding1D',
  category: 'reshaping',
  description: 'Pads the start and end of a sequence with zeros.',
  inputShape: '3-D tensor (batch_size, steps, features).',
  outputShape: '3-D tensor (batch_size, padded_steps, features).',
  positional: 'padding',
  args: {
    padding: {
      schema: { anyOf: [nonNegInt, { type: 'array', items: nonNegInt, minItems: 2, maxItems: 2 }] },
      description: 'Zeros to add at the start and end: an int for both, or [start, end].',
      default: 1,
    },
  },
  build(a, common) {
    const p = a.padding ?? 1;
    const padding: Pair = typeof p === 'number' ? [p, p] : (p as Pair);
    return new ZeroPadding1DLayer({ ...common, padding });
  },
};

export const ZeroPadding2D: LayerEntry = {
  name: 'ZeroPadding2D',
  category: 'reshaping',
  description: 'Adds rows and columns of zeros around an image.',
  inputShape: '4-D tensor (batch_size, rows, cols, channels) with channels_last.',
  outputShape: '4-D tensor (batch_size, padded_rows, padded_cols, channels).',
  positional: 'padding',
  args: {
    padding: { schema: pad2dSchema, description: 'An int, [rows, cols] (symmetric), or [[top, bottom], [left, right]].', default: [1, 1] },
    data_format: DATA_FORMAT_ARG,
  },
  build(a, common) {
    return tf.layers.zeroPadding2d({ ...common, padding: pad2d(a.padding, 1), dataFormat: toDataFormat(a.data_format) });
  },
};

export const Cropping2D: LayerEntry = {
  name: 'Cropping2D',
  category: 'reshaping',
  description: 'Crops rows and columns off the edges of an image.',
  inputShape: '4-D tensor (batch_size, rows, cols, channels) with channels_last.',
  outputShape: '4-D tensor (batch_size, cropped_rows, cropped_cols, channels).',
  positional: 'cropping',
  args: {
    cropping: { schema: pad2dSchema, description: 'An int, [rows, cols] (symmetric), or [[top, bottom], [left, right]].', default: [[0, 0], [0, 0]] },
    data_format: DATA_FORMAT_ARG,
  },
  build(a, common) {
    return tf.layers.cropping2D({ ...common, cropping: pad2d(a.cropping, 0), dataFormat: toDataFormat(a.data_format) });
  },
};

export const UpSampling2D: LayerEntry = {
  name: 'UpSampling2D',
  category: 'reshaping',
  description: 'Repeats the rows and columns of an image size[0] and size[1] times.',
  inputShape: '4-D tensor (batch_size, rows, cols, channels) with channels_last.',
  outputShape: '4-D tensor (batch_size, upsampled_rows, upsampled_cols, channels).',
  positional: 'size',
  args: {
    size: { schema: { anyOf: [posInt, { type: 'array', items: posInt, minItems: 2, maxItems: 2 }] }, description: 'Upsampling factors for rows and columns.', default: [2, 2] },
    data_format: DATA_FORMAT_ARG,
    interpolation: { schema: { enum: ['nearest', 'bilinear'] }, description: 'Interpolation method.', default: 'nearest' },
  },
  build(a, common) {
    const s = a.size ?? [2, 2];
    return tf.layers.upSampling2d({
      ...common,
      size: typeof s === 'number' ? [s, s] : (s as number[]),
      dataFormat: toDataFormat(a.data_format),
      interpolation: ((a.interpolation as string | undefined) ?? 'nearest') as 'nearest' | 'bilinear',
    });
  },
};

const pairSchema = { anyOf: [nonNegInt, { type: 'array', items: nonNegInt, minItems: 2, maxItems: 2 }] };

export const Cropping1D: LayerEntry = {
  name: 'Cropping1D',
  category: 'reshaping',
  description: 'Crops steps off the start and end of a sequence.',
  inputShape: '3-D tensor (batch_size, steps, features).',
  outputShape: '3-D tensor (batch_size, cropped_steps, features).',
  positional: 'cropping',
  args: {
    cropping: { schema: pairSchema, description: 'Steps to crop at the start and end: an int for both, or [start, end].', default: [1, 1] },
  },
  build(a, common) {
    const c = a.cropping ?? 1;
    return new custom.Cropping1D({ ...common, cropping: typeof c === 'number' ? [c, c] : (c as Pair) });
  },
};

/** Keras's `int | (a, b, c) | ((a1, a2), (b1, b2), (c1, c2))` for 3-D cropping. */
const crop3dSchema = {
  anyOf: [
    nonNegInt,
    { type: 'array', items: nonNegInt, minItems: 3, maxItems: 3 },
    { type: 'array', items: { type: 'array', items: nonNegInt, minItems: 2, maxItems: 2 }, minItems: 3, maxItems: 3 },
  ],
};

export const Cropping3D: LayerEntry = {
  name: 'Cropping3D',
  category: 'reshaping',
  description: 'Crops the edges of a 3-D volume.',
  inputShape: '5-D tensor (batch_size, dim1, dim2, dim3, channels) with channels_last.',
  outputShape: '5-D tensor (batch_size, cropped_dim1, cropped_dim2, cropped_dim3, channels).',
  positional: 'cropping',
  args: {
    cropping: { schema: crop3dSchema, description: 'An int, [d1, d2, d3] (symmetric), or [[start, end] x 3].', default: [[1, 1], [1, 1], [1, 1]] },
    data_format: DATA_FORMAT_ARG,
  },
  build(a, common) {
    const c = a.cropping ?? 1;
    const pairs = (typeof c === 'number' ? [c, c, c] : (c as unknown[])).map((v) => (Array.isArray(v) ? (v as Pair) : [Number(v), Number(v)] as Pair));
    return new custom.Cropping3D({ ...common, cropping: pairs as [Pair, Pair, Pair], dataFormat: toDataFormat(a.data_format) });
  },
};

export const UpSampling1D: LayerEntry = {
  name: 'UpSampling1D',
  category: 'reshaping',
  description: 'Repeats each step of a sequence `size` times.',
  inputShape: '3-D tensor (batch_size, steps, features).',
  outputShape: '3-D tensor (batch_size, upsampled_steps, features).',
  positional: 'size',
  args: { size: { schema: posInt, description: 'Upsampling factor.', default: 2 } },
  build(a, common) {
    return new custom.UpSampling1D({ ...common, size: (a.size as number | undefined) ?? 2 });
  },
};

export const UpSampling3D: LayerEntry = {
  name: 'UpSampling3D',
  category: 'reshaping',
  description: 'Repeats the three spatial dimensions of a volume size[0], size[1] and size[2] times.',
  inputShape: '5-D tensor (batch_size, dim1, dim2, dim3, channels) with channels_last.',
  outputShape: '5-D tensor (batch_size, upsampled_dim1, upsampled_dim2, upsampled_dim3, channels).',
  positional: 'size',
  args: {
    size: { schema: { anyOf: [posInt, { type: 'array', items: posInt, minItems: 3, maxItems: 3 }] }, description: 'Upsampling factors.', default: [2, 2, 2] },
    data_format: DATA_FORMAT_ARG,
  },
  build(a, common) {
    return new custom.UpSampling3D({ ...common, size: (a.size as number | number[] | undefined) ?? 2, dataFormat: toDataFormat(a.data_format) });
  },
};
