/**
 * Pooling layers. `strides` defaults to `pool_size`, as in Keras.
 * Not offered: GlobalMaxPooling3D / GlobalAveragePooling3D (tfjs-layers has none), and Keras 3's
 * `keepdims` for global pooling (tfjs cannot keep the pooled axes).
 */
import * as tf from '@tensorflow/tfjs';
import type { ArgMap, LayerEntry } from '../types.js';
import { DATA_FORMAT_ARG, PADDING_ARG, intOrTuple, toDataFormat, tuple } from './args.js';

type Rank = 1 | 2 | 3;
const dims = (rank: Rank, prefix = ''): string =>
  (rank === 1 ? ['steps'] : rank === 2 ? ['rows', 'cols'] : ['dim1', 'dim2', 'dim3']).map((d) => prefix + d).join(', ');

function poolArgs(a: ArgMap, rank: Rank) {
  const poolSize = tuple(a.pool_size ?? 2, rank);
  return {
    poolSize,
    strides: a.strides === undefined || a.strides === null ? poolSize : tuple(a.strides, rank),
    padding: ((a.padding as string | undefined) ?? 'valid') as 'valid' | 'same',
  };
}

function poolEntry(kind: 'Max' | 'Average', rank: Rank, make: (a: ArgMap, common: object) => tf.layers.Layer): LayerEntry {
  const short = kind === 'Max' ? 'Max' : 'Avg';
  return {
    name: `${kind}Pooling${rank}D`,
    aliases: [`${short}Pool${rank}D`, ...(kind === 'Average' ? [`AveragePool${rank}D`, `AvgPooling${rank}D`] : [])],
    category: 'pooling',
    description: `${kind} pooling over ${rank === 1 ? 'the steps of a sequence' : rank === 2 ? 'the rows and columns of an image' : 'a 3-D volume'}: the ${kind === 'Max' ? 'maximum' : 'mean'} of each window.`,
    inputShape: `${rank + 2}-D tensor (batch_size, ${dims(rank)}, channels) with channels_last.`,
    outputShape: `${rank + 2}-D tensor (batch_size, ${dims(rank, 'pooled_')}, channels).`,
    positional: 'pool_size',
    args: {
      pool_size: { schema: intOrTuple(rank), description: 'Size of the pooling window: an int or a list.', default: rank === 1 ? 2 : Array(rank).fill(2) },
      strides: { schema: { anyOf: [intOrTuple(rank), { type: 'null' }] }, description: 'Stride of the window; defaults to pool_size.', default: null },
      padding: PADDING_ARG,
      ...(rank === 1 ? {} : { data_format: DATA_FORMAT_ARG }),
    },
    build: (a, common) => make(a, common),
  };
}

export const MaxPooling1D = poolEntry('Max', 1, (a, c) => tf.layers.maxPooling1d({ ...c, ...poolArgs(a, 1) } as never));
export const MaxPooling2D = poolEntry('Max', 2, (a, c) =>
  tf.layers.maxPooling2d({ ...c, ...poolArgs(a, 2), dataFormat: toDataFormat(a.data_format) } as never));
export const MaxPooling3D = poolEntry('Max', 3, (a, c) =>
  tf.layers.maxPooling3d({ ...c, ...poolArgs(a, 3), dataFormat: toDataFormat(a.data_format) } as never));
export const AveragePooling1D = poolEntry('Average', 1, (a, c) => tf.layers.averagePooling1d({ ...c, ...poolArgs(a, 1) } as never));
export const AveragePooling2D = poolEntry('Average', 2, (a, c) =>
  tf.layers.averagePooling2d({ ...c, ...poolArgs(a, 2), dataFormat: toDataFormat(a.data_format) } as never));
export const AveragePooling3D = poolEntry('Average', 3, (a, c) =>
  tf.layers.averagePooling3d({ ...c, ...poolArgs(a, 3), dataFormat: toDataFormat(a.data_format) } as never));

function globalEntry(kind: 'Max' | 'Average', rank: 1 | 2, make: (a: ArgMap, common: object) => tf.layers.Layer): LayerEntry {
  const short = kind === 'Max' ? 'Max' : 'Avg';
  return {
    name: `Global${kind}Pooling${rank}D`,
    aliases: [`Global${short}Pool${rank}D`, ...(kind === 'Average' ? [`GlobalAveragePool${rank}D`] : [])],
    category: 'pooling',
    description: `Global ${kind === 'Max' ? 'max' : 'average'} pooling: one value per channel over all ${rank === 1 ? 'steps' : 'positions'}.`,
    inputShape: `${rank + 2}-D tensor (batch_size, ${dims(rank)}, channels) with channels_last.`,
    outputShape: '2-D tensor (batch_size, channels).',
    args: rank === 1 ? {} : { data_format: DATA_FORMAT_ARG },
    build: (a, common) => make(a, common),
  };
}

export const GlobalMaxPooling1D = globalEntry('Max', 1, (_a, c) => tf.layers.globalMaxPooling1d(c));
export const GlobalMaxPooling2D = globalEntry('Max', 2, (a, c) => tf.layers.globalMaxPooling2d({ ...c, dataFormat: toDataFormat(a.data_format) }));
export const GlobalAveragePooling1D = globalEntry('Average', 1, (_a, c) => tf.layers.globalAveragePooling1d(c));
export const GlobalAveragePooling2D = globalEntry('Average', 2, (a, c) =>
  tf.layers.globalAveragePooling2d({ ...c, dataFormat: toDataFormat(a.data_format) }));
