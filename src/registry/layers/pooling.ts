/**
 * Pooling layers. `strides` defaults to `pool_size`, as in Keras. The 1-D poolings' `data_format`
 * and global pooling's `data_format` / `keepdims` are kerats' own (custom/pooling.ts).
 * Not offered: GlobalMaxPooling3D / GlobalAveragePooling3D.
 */
import * as tf from '@tensorflow/tfjs';
import type { ArgMap, LayerEntry } from '../types.js';
import { DATA_FORMAT_ARG, PADDING_ARG, boolArg, intOrTuple, toDataFormat, tuple } from './args.js';
import * as custom from './custom/pooling.js';

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
      data_format: DATA_FORMAT_ARG,
    },
    build: (a, common) => make(a, common),
  };
}

export const MaxPooling1D = poolEntry('Max', 1, (a, c) =>
  new custom.MaxPooling1D({ ...c, ...poolArgs(a, 1), dataFormat: toDataFormat(a.data_format) } as never));
export const MaxPooling2D = poolEntry('Max', 2, (a, c) =>
  tf.layers.maxPooling2d({ ...c, ...poolArgs(a, 2), dataFormat: toDataFormat(a.data_format) } as never));
export const MaxPooling3D = poolEntry('Max', 3, (a, c) =>
  tf.layers.maxPooling3d({ ...c, ...poolArgs(a, 3), dataFormat: toDataFormat(a.data_format) } as never));
export const AveragePooling1D = poolEntry('Average', 1, (a, c) =>
  new custom.AveragePooling1D({ ...c, ...poolArgs(a, 1), dataFormat: toDataFormat(a.data_format) } as never));
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
    args: {
      data_format: DATA_FORMAT_ARG,
      keepdims: boolArg('Whether to keep the pooled axes (with length 1), as Keras\'s keepdims.', false),
    },
    build: (a, common) => make(a, common),
  };
}

const globalArgs = (a: ArgMap, c: object): custom.GlobalPoolingArgs =>
  ({ ...c, dataFormat: toDataFormat(a.data_format), keepdims: (a.keepdims as boolean | undefined) ?? false });

export const GlobalMaxPooling1D = globalEntry('Max', 1, (a, c) => new custom.GlobalMaxPooling1D(globalArgs(a, c)));
export const GlobalMaxPooling2D = globalEntry('Max', 2, (a, c) => new custom.GlobalMaxPooling2D(globalArgs(a, c)));
export const GlobalAveragePooling1D = globalEntry('Average', 1, (a, c) => new custom.GlobalAveragePooling1D(globalArgs(a, c)));
export const GlobalAveragePooling2D = globalEntry('Average', 2, (a, c) => new custom.GlobalAveragePooling2D(globalArgs(a, c)));
