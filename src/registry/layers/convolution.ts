/**
 * Convolution layers. Keras's kernel default is glorot_uniform (tfjs's is glorot_normal), applied
 * here explicitly.
 * Conv1DTranspose is kerats' own (custom/conv1d-transpose.ts). Not offered: SeparableConv1D and
 * DepthwiseConv1D, Keras's `groups` and `output_padding`, and `dilation_rate` on transposed
 * convolutions (tfjs ignores it there): refused unless they hold Keras's default.
 */
import * as tf from '@tensorflow/tfjs';
import type { ArgMap, ArgSpec, LayerEntry, TfLayerCommonArgs } from '../types.js';
import { toTfConstraint, toTfRegularizer } from '../keras-names.js';
import * as custom from './custom/conv1d-transpose.js';
import {
  ACTIVATION_ARG, DATA_FORMAT_ARG, SALT, activation, constraintArg, init, initializerArg, intOrTuple, numArg,
  posInt, regularizerArg, tfWeightArgs, toDataFormat, tuple, weightArgs,
} from './args.js';

type Rank = 1 | 2 | 3;
type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];

function spatialArgs(rank: Rank, causal: boolean): Record<string, ArgSpec> {
  return {
    kernel_size: { schema: intOrTuple(rank), description: `Size of the convolution window: an int or a list of ${rank} ints.`, required: true },
    strides: { schema: intOrTuple(rank), description: 'Stride of the convolution: an int or a list.', default: 1 },
    padding: {
      schema: { enum: causal ? ['valid', 'same', 'causal'] : ['valid', 'same'] },
      description: `"valid" (no padding) or "same" (output keeps the input size at stride 1)${causal ? '; "causal" for dilated causal convolutions' : ''}.`,
      default: 'valid',
    },
    data_format: DATA_FORMAT_ARG,
    dilation_rate: { schema: intOrTuple(rank), description: 'Dilation rate for dilated convolution.', default: 1 },
  };
}

function tfSpatial(a: ArgMap, rank: Rank) {
  return {
    kernelSize: tuple(a.kernel_size, rank),
    strides: tuple(a.strides ?? 1, rank),
    padding: ((a.padding as string | undefined) ?? 'valid') as 'valid' | 'same' | 'causal',
    dataFormat: toDataFormat(a.data_format),
    dilationRate: tuple(a.dilation_rate ?? 1, rank) as [number, number],
  };
}

const shapeText = (rank: Rank, what: string, prefix = ''): string => {
  const dims = (rank === 1 ? ['steps'] : rank === 2 ? ['rows', 'cols'] : ['dim1', 'dim2', 'dim3']).map((d) => prefix + d).join(', ');
  return `${rank + 2}-D tensor (batch_size, ${dims}, ${what}) with channels_last.`;
};

function convEntry(o: {
  name: string; rank: Rank; aliases?: string[]; description: string; transpose?: boolean;
  make: (args: ConvArgs) => tf.layers.Layer;
}): LayerEntry {
  const spatial = spatialArgs(o.rank, o.rank === 1 && !o.transpose);
  if (o.transpose) delete spatial.dilation_rate;
  return {
    name: o.name,
    aliases: o.aliases,
    category: 'convolution',
    description: o.description,
    inputShape: shapeText(o.rank, 'channels'),
    outputShape: shapeText(o.rank, 'filters', 'new_'),
    positional: 'filters',
    args: {
      filters: { schema: posInt, description: 'Number of output filters.', required: true },
      ...spatial,
      activation: ACTIVATION_ARG(null),
      ...weightArgs(),
    },
    build(a, common: TfLayerCommonArgs, ctx) {
      return o.make({
        ...common,
        filters: a.filters as number,
        ...tfSpatial(a, o.rank),
        activation: activation(a.activation),
        ...tfWeightArgs(a, ctx.seed),
      });
    },
  };
}

export const Conv1D = convEntry({
  name: 'Conv1D', rank: 1, aliases: ['Convolution1D'], make: (x) => tf.layers.conv1d(x),
  description: '1-D convolution (temporal convolution) over the steps of a sequence.',
});

export const Conv2D = convEntry({
  name: 'Conv2D', rank: 2, aliases: ['Convolution2D'], make: (x) => tf.layers.conv2d(x),
  description: '2-D convolution (spatial convolution over images).',
});

export const Conv3D = convEntry({
  name: 'Conv3D', rank: 3, aliases: ['Convolution3D'], make: (x) => tf.layers.conv3d(x),
  description: '3-D convolution (spatial convolution over volumes).',
});

export const Conv1DTranspose = convEntry({
  name: 'Conv1DTranspose', rank: 1, aliases: ['Convolution1DTranspose'], transpose: true,
  make: (x) => new custom.Conv1DTranspose(x as never),
  description: 'Transposed 1-D convolution ("deconvolution"): maps a sequence back to a longer one.',
});

export const Conv2DTranspose = convEntry({
  name: 'Conv2DTranspose', rank: 2, aliases: ['Convolution2DTranspose', 'Deconvolution2D', 'Deconv2D'], transpose: true,
  make: (x) => tf.layers.conv2dTranspose(x),
  description: 'Transposed 2-D convolution ("deconvolution"): maps a feature map back to a larger spatial size.',
});

export const Conv3DTranspose = convEntry({
  name: 'Conv3DTranspose', rank: 3, aliases: ['Convolution3DTranspose', 'Deconvolution3D', 'Deconv3D'], transpose: true,
  make: (x) => tf.layers.conv3dTranspose(x),
  description: 'Transposed 3-D convolution.',
});

const depthMultiplierArg = numArg('Number of depthwise output channels per input channel.', 1, posInt);

export const SeparableConv2D: LayerEntry = {
  name: 'SeparableConv2D',
  aliases: ['SeparableConvolution2D'],
  category: 'convolution',
  description: 'Depthwise separable 2-D convolution: a depthwise convolution per channel, then a 1x1 pointwise convolution mixing channels.',
  inputShape: shapeText(2, 'channels'),
  outputShape: '4-D tensor (batch_size, new_rows, new_cols, filters) with channels_last.',
  positional: 'filters',
  args: {
    filters: { schema: posInt, description: 'Number of output filters.', required: true },
    ...spatialArgs(2, false),
    depth_multiplier: depthMultiplierArg,
    activation: ACTIVATION_ARG(null),
    use_bias: { schema: { type: 'boolean' }, description: 'Whether the layer uses a bias vector.', default: true },
    depthwise_initializer: initializerArg('Initializer for the depthwise kernel.', 'glorot_uniform'),
    pointwise_initializer: initializerArg('Initializer for the pointwise kernel.', 'glorot_uniform'),
    bias_initializer: initializerArg('Initializer for the bias vector.', 'zeros'),
    depthwise_regularizer: regularizerArg('Regularizer for the depthwise kernel.'),
    pointwise_regularizer: regularizerArg('Regularizer for the pointwise kernel.'),
    bias_regularizer: regularizerArg('Regularizer for the bias vector.'),
    activity_regularizer: regularizerArg('Regularizer applied to the layer\'s output.'),
    depthwise_constraint: constraintArg('Constraint for the depthwise kernel.'),
    pointwise_constraint: constraintArg('Constraint for the pointwise kernel.'),
    bias_constraint: constraintArg('Constraint for the bias vector.'),
  },
  build(a, common, ctx) {
    const pointwise = init(a, 'pointwise_initializer', 'glorot_uniform', ctx.seed, SALT.pointwise);
    const layer = tf.layers.separableConv2d({
      ...common,
      filters: a.filters as number,
      ...tfSpatial(a, 2),
      depthMultiplier: (a.depth_multiplier as number | undefined) ?? 1,
      activation: activation(a.activation),
      useBias: (a.use_bias as boolean | undefined) ?? true,
      depthwiseInitializer: init(a, 'depthwise_initializer', 'glorot_uniform', ctx.seed, SALT.depthwise),
      pointwiseInitializer: pointwise,
      biasInitializer: init(a, 'bias_initializer', 'zeros', ctx.seed, SALT.bias),
      depthwiseRegularizer: toTfRegularizer(a.depthwise_regularizer),
      pointwiseRegularizer: toTfRegularizer(a.pointwise_regularizer),
      biasRegularizer: toTfRegularizer(a.bias_regularizer),
      activityRegularizer: toTfRegularizer(a.activity_regularizer),
      depthwiseConstraint: toTfConstraint(a.depthwise_constraint),
      pointwiseConstraint: toTfConstraint(a.pointwise_constraint),
      biasConstraint: toTfConstraint(a.bias_constraint),
    });
    // tfjs 4.22 builds the pointwise initializer from `depthwiseInitializer` (a typo in its
    // constructor); put the one the user asked for back.
    (layer as unknown as { pointwiseInitializer: unknown }).pointwiseInitializer = pointwise;
    return layer;
  },
};

export const DepthwiseConv2D: LayerEntry = {
  name: 'DepthwiseConv2D',
  category: 'convolution',
  description: 'Depthwise 2-D convolution: each input channel is convolved with its own depth_multiplier filters.',
  inputShape: shapeText(2, 'channels'),
  outputShape: '4-D tensor (batch_size, new_rows, new_cols, channels * depth_multiplier) with channels_last.',
  positional: 'kernel_size',
  args: {
    ...spatialArgs(2, false),
    depth_multiplier: depthMultiplierArg,
    activation: ACTIVATION_ARG(null),
    use_bias: { schema: { type: 'boolean' }, description: 'Whether the layer uses a bias vector.', default: true },
    depthwise_initializer: initializerArg('Initializer for the depthwise kernel.', 'glorot_uniform'),
    bias_initializer: initializerArg('Initializer for the bias vector.', 'zeros'),
    depthwise_regularizer: regularizerArg('Regularizer for the depthwise kernel.'),
    bias_regularizer: regularizerArg('Regularizer for the bias vector.'),
    activity_regularizer: regularizerArg('Regularizer applied to the layer\'s output.'),
    depthwise_constraint: constraintArg('Constraint for the depthwise kernel.'),
    bias_constraint: constraintArg('Constraint for the bias vector.'),
  },
  build(a, common, ctx) {
    const w = tfWeightArgs(a, ctx.seed);
    return tf.layers.depthwiseConv2d({
      ...common,
      ...tfSpatial(a, 2),
      kernelSize: tuple(a.kernel_size, 2) as [number, number],
      depthMultiplier: (a.depth_multiplier as number | undefined) ?? 1,
      activation: activation(a.activation),
      useBias: w.useBias,
      depthwiseInitializer: init(a, 'depthwise_initializer', 'glorot_uniform', ctx.seed, SALT.depthwise),
      biasInitializer: w.biasInitializer,
      depthwiseRegularizer: toTfRegularizer(a.depthwise_regularizer),
      biasRegularizer: w.biasRegularizer,
      activityRegularizer: w.activityRegularizer,
      depthwiseConstraint: toTfConstraint(a.depthwise_constraint),
      biasConstraint: w.biasConstraint,
    });
  },
};
