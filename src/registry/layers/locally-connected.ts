/**
 * Keras 2's LocallyConnected1D/2D (removed in Keras 3, absent from tfjs), implemented in
 * src/registry/layers/custom. Parameter counts follow Keras 2:
 *   LocallyConnected1D: out_len * (kernel_size * in_ch * filters) + out_len * filters
 *   LocallyConnected2D: out_rows * out_cols * (kh * kw * in_ch * filters) + out_rows * out_cols * filters
 * with out = floor((in - kernel) / stride) + 1.
 */
import { LOCALLY_CONNECTED_ACTIVATIONS, LocallyConnected1D as LC1, LocallyConnected2D as LC2 } from './custom/index.js';
import type { ArgSpec, LayerEntry } from '../types.js';
import { SALT, boolArg, init, initializerArg, intOrTuple, posInt, tuple } from './args.js';

function lcArgs(rank: 1 | 2): Record<string, ArgSpec> {
  return {
    filters: { schema: posInt, description: 'Number of output filters at each position.', required: true },
    kernel_size: { schema: intOrTuple(rank), description: 'Size of the local window (an int or a list).', required: true },
    strides: { schema: intOrTuple(rank), description: 'Step of the window (an int or a list).', default: 1 },
    padding: { schema: { enum: ['valid'] }, description: 'Only "valid" (as in Keras).', default: 'valid' },
    data_format: { schema: { enum: ['channels_last'] }, description: 'Only "channels_last".', default: 'channels_last' },
    activation: { schema: { anyOf: [{ enum: LOCALLY_CONNECTED_ACTIVATIONS }, { type: 'null' }] }, description: 'Activation function; none (linear) by default.', default: null },
    use_bias: boolArg('Whether the layer uses a bias per output position and filter.', true),
    kernel_initializer: initializerArg('Initializer for the kernel weights.', 'glorot_uniform'),
    bias_initializer: initializerArg('Initializer for the bias.', 'zeros'),
    implementation: { schema: { enum: [1, 2, 3] }, description: 'Keras\'s implementation mode; accepted for compatibility, the weights are always stored as mode 1.', default: 1 },
  };
}

function build(rank: 1 | 2) {
  return (a: Record<string, unknown>, common: object, ctx: { seed?: number }) => {
    const Cls = rank === 1 ? LC1 : LC2;
    return new Cls({
      ...common,
      filters: a.filters as number,
      kernelSize: tuple(a.kernel_size, rank),
      strides: tuple(a.strides ?? 1, rank),
      activation: (a.activation as string | null | undefined) ?? 'linear',
      useBias: (a.use_bias as boolean | undefined) ?? true,
      implementation: (a.implementation as number | undefined) ?? 1,
      kernelInitializer: init(a, 'kernel_initializer', 'glorot_uniform', ctx.seed, SALT.kernel),
      biasInitializer: init(a, 'bias_initializer', 'zeros', ctx.seed, SALT.bias),
    });
  };
}

export const LocallyConnected1D: LayerEntry = {
  name: 'LocallyConnected1D',
  category: 'convolution',
  description: 'Like Conv1D, but with unshared weights: each output position has its own filter (Keras 2).',
  inputShape: '3-D tensor (batch_size, steps, input_dim).',
  outputShape: '3-D tensor (batch_size, new_steps, filters).',
  args: lcArgs(1),
  build: build(1),
};

export const LocallyConnected2D: LayerEntry = {
  name: 'LocallyConnected2D',
  category: 'convolution',
  description: 'Like Conv2D, but with unshared weights: each output position has its own filter (Keras 2).',
  inputShape: '4-D tensor (batch_size, rows, cols, channels).',
  outputShape: '4-D tensor (batch_size, new_rows, new_cols, filters).',
  args: lcArgs(2),
  build: build(2),
};
