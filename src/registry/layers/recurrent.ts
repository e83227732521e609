/**
 * Recurrent layers and wrappers, with Keras's defaults: recurrent_activation sigmoid (tfjs:
 * hard_sigmoid), kernel glorot_uniform (tfjs: glorot_normal), GRU reset_after true (tfjs cannot;
 * see keras-gru.ts). Dropout masks are seeded from the run's seed.
 * `return_state` gives the layer several outputs, and `initial_state` names the tensors it starts
 * from; both are for functional models (the graph builder passes the states as extra inputs).
 * Not offered: `time_major`.
 */
import * as tf from '@tensorflow/tfjs';
import type { ArgMap, ArgSpec, LayerBuildContext, LayerEntry } from '../types.js';
import { toTfConstraint, toTfRegularizer } from '../keras-names.js';
import {
  ACTIVATION_ARG, DATA_FORMAT_ARG, SALT, activation, boolArg, constraintArg, init, initializerArg, intOrTuple,
  posInt, regularizerArg, toDataFormat, tuple,
} from './args.js';
import { FusedLSTM, FusedSimpleRNN } from './fused-rnn-layers.js';
import { KerasGRU } from './keras-gru.js';
import { NESTED_LAYER_SCHEMA, buildNested } from './nested.js';
import { mixSeed, subSeed } from './seed.js';
import { seededDropoutFunc } from './seeded-noise.js';

const rateArg = (what: string): ArgSpec => ({
  schema: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
  description: `Fraction of the units to drop for the linear transformation of the ${what}.`,
  default: 0,
});

/** Arguments every Keras RNN layer takes, besides units/filters. */
function rnnArgs(recurrentActivation: boolean): Record<string, ArgSpec> {
  return {
    activation: ACTIVATION_ARG('tanh'),
    ...(recurrentActivation ? { recurrent_activation: ACTIVATION_ARG('sigmoid', 'Activation for the recurrent step (the gates)') } : {}),
    use_bias: boolArg('Whether the layer uses a bias vector.', true),
    kernel_initializer: initializerArg('Initializer for the input kernel.', 'glorot_uniform'),
    recurrent_initializer: initializerArg('Initializer for the recurrent kernel.', 'orthogonal'),
    bias_initializer: initializerArg('Initializer for the bias vector.', 'zeros'),
    kernel_regularizer: regularizerArg('Regularizer for the input kernel.'),
    recurrent_regularizer: regularizerArg('Regularizer for the recurrent kernel.'),
    bias_regularizer: regularizerArg('Regularizer for the bias vector.'),
    activity_regularizer: regularizerArg('Regularizer applied to the layer\'s output.'),
    kernel_constraint: constraintArg('Constraint for the input kernel.'),
    recurrent_constraint: constraintArg('Constraint for the recurrent kernel.'),
    bias_constraint: constraintArg('Constraint for the bias vector.'),
    dropout: rateArg('inputs'),
    recurrent_dropout: rateArg('recurrent state'),
    seed: { schema: { type: 'integer' }, description: 'Random seed for dropout; by default derived from the run\'s seed and the layer.' },
    return_sequences: boolArg('Return the full sequence of outputs instead of the last one.', false),
    return_state: boolArg('Also return the last state(s) as extra outputs (functional models): LSTM gives [output, h, c], GRU and SimpleRNN [output, h]; refer to them as NAME[1], NAME[2].', false),
    initial_state: {
      schema: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }] },
      description: 'Functional models: the tensor(s) the recurrence starts from, by name like `inputs` (e.g. [encoder_lstm[1], encoder_lstm[2]] for an LSTM\'s h and c); zeros when omitted.',
    },
    go_backwards: boolArg('Process the input sequence backwards (and return the reversed sequence).', false),
    stateful: boolArg('Carry the last state of each batch sample over to the next batch (needs batch_input_shape).', false),
    unroll: boolArg('Unroll the loop (faster for short sequences, more memory).', false),
  };
}

/** The tfjs translation of `rnnArgs` with Keras's defaults. */
function tfRnnArgs(a: ArgMap, ctx: LayerBuildContext, recurrentActivation: boolean) {
  const dropoutSeed = typeof a.seed === 'number' ? a.seed : subSeed(ctx.seed, SALT.noise);
  return {
    activation: activation(a.activation, 'tanh'),
    ...(recurrentActivation ? { recurrentActivation: activation(a.recurrent_activation, 'sigmoid') } : {}),
    useBias: (a.use_bias as boolean | undefined) ?? true,
    kernelInitializer: init(a, 'kernel_initializer', 'glorot_uniform', ctx.seed, SALT.kernel),
    recurrentInitializer: init(a, 'recurrent_initializer', 'orthogonal', ctx.seed, SALT.recurrent),
    biasInitializer: init(a, 'bias_initializer', 'zeros', ctx.seed, SALT.bias),
    kernelRegularizer: toTfRegularizer(a.kernel_regularizer),
    recurrentRegularizer: toTfRegularizer(a.recurrent_regularizer),
    biasRegularizer: toTfRegularizer(a.bias_regularizer),
    activityRegularizer: toTfRegularizer(a.activity_regularizer),
    kernelConstraint: toTfConstraint(a.kernel_constraint),
    recurrentConstraint: toTfConstraint(a.recurrent_constraint),
    biasConstraint: toTfConstraint(a.bias_constraint),
    dropout: (a.dropout as number | undefined) ?? 0,
    recurrentDropout: (a.recurrent_dropout as number | undefined) ?? 0,
    dropoutFunc: seededDropoutFunc(dropoutSeed),
    returnSequences: (a.return_sequences as boolean | undefined) ?? false,
    returnState: (a.return_state as boolean | undefined) ?? false,
    goBackwards: (a.go_backwards as boolean | undefined) ?? false,
    stateful: (a.stateful as boolean | undefined) ?? false,
    unroll: (a.unroll as boolean | undefined) ?? false,
  };
}

const unitsArg: ArgSpec = { schema: posInt, description: 'Dimensionality of the output space (and of the state).', required: true };
const forgetBiasArg = boolArg('Add 1 to the forget gate\'s bias at initialisation (Jozefowicz et al., 2015).', true);
const seqIn = '3-D tensor (batch_size, timesteps, features).';
const seqOut = '(batch_size, units), or (batch_size, timesteps, units) with return_sequences.';

export const LSTM: LayerEntry = {
  name: 'LSTM',
  category: 'recurrent',
  description: 'Long Short-Term Memory layer (Hochreiter & Schmidhuber, 1997).',
  inputShape: seqIn,
  outputShape: seqOut,
  positional: 'units',
  args: { units: unitsArg, ...rnnArgs(true), unit_forget_bias: forgetBiasArg },
  build(a, common, ctx) {
    // FusedLSTM, GRU and SimpleRNN below run whole sequences in one native kernel where they can (fused-rnn.ts).
    return new FusedLSTM({
      ...common,
      units: a.units as number,
      ...tfRnnArgs(a, ctx, true),
      unitForgetBias: (a.unit_forget_bias as boolean | undefined) ?? true,
    });
  },
};

export const GRU: LayerEntry = {
  name: 'GRU',
  category: 'recurrent',
  description: 'Gated Recurrent Unit (Cho et al., 2014). With Keras\'s default reset_after=true the recurrent part has its own bias: 3*(in*u + u*u + 2u) parameters, as in Keras.',
  inputShape: seqIn,
  outputShape: seqOut,
  positional: 'units',
  args: {
    units: unitsArg,
    ...rnnArgs(true),
    reset_after: boolArg('Apply the reset gate after the recurrent matrix multiplication (Keras and cuDNN convention).', true),
  },
  build(a, common, ctx) {
    return new KerasGRU({
      ...common,
      units: a.units as number,
      ...tfRnnArgs(a, ctx, true),
      resetAfter: (a.reset_after as boolean | undefined) ?? true,
    });
  },
};

export const SimpleRNN: LayerEntry = {
  name: 'SimpleRNN',
  category: 'recurrent',
  description: 'Fully-connected RNN whose output is fed back as the next input.',
  inputShape: seqIn,
  outputShape: seqOut,
  positional: 'units',
  args: { units: unitsArg, ...rnnArgs(false) },
  build(a, common, ctx) {
    return new FusedSimpleRNN({ ...common, units: a.units as number, ...tfRnnArgs(a, ctx, false) });
  },
};

export const ConvLSTM2D: LayerEntry = {
  name: 'ConvLSTM2D',
  category: 'recurrent',
  description: '2-D convolutional LSTM: an LSTM whose input and recurrent transformations are convolutions.',
  inputShape: '5-D tensor (batch_size, time, rows, cols, channels) with channels_last.',
  outputShape: '(batch_size, new_rows, new_cols, filters), or with a time axis when return_sequences.',
  positional: 'filters',
  args: {
    filters: { schema: posInt, description: 'Number of output filters.', required: true },
    kernel_size: { schema: intOrTuple(2), description: 'Size of the convolution window: an int or a list of 2 ints.', required: true },
    strides: { schema: intOrTuple(2), description: 'Stride of the convolution.', default: 1 },
    padding: { schema: { enum: ['valid', 'same'] }, description: '"valid" or "same".', default: 'valid' },
    data_format: DATA_FORMAT_ARG,
    dilation_rate: { schema: intOrTuple(2), description: 'Dilation rate.', default: 1 },
    ...rnnArgs(true),
    unit_forget_bias: forgetBiasArg,
  },
  build(a, common, ctx) {
    return tf.layers.convLstm2d({
      ...common,
      filters: a.filters as number,
      kernelSize: tuple(a.kernel_size, 2),
      strides: tuple(a.strides ?? 1, 2),
      padding: ((a.padding as string | undefined) ?? 'valid') as 'valid' | 'same',
      dataFormat: toDataFormat(a.data_format),
      dilationRate: tuple(a.dilation_rate ?? 1, 2) as [number, number],
      ...tfRnnArgs(a, ctx, true),
      unitForgetBias: (a.unit_forget_bias as boolean | undefined) ?? true,
    });
  },
};

export const Bidirectional: LayerEntry = {
  name: 'Bidirectional',
  category: 'recurrent',
  description: 'Runs a recurrent layer forwards and backwards over the sequence and merges the two outputs.',
  inputShape: seqIn,
  outputShape: 'The wrapped layer\'s output, with the last axis doubled for merge_mode "concat".',
  positional: 'layer',
  args: {
    layer: { schema: NESTED_LAYER_SCHEMA, description: 'The recurrent layer to wrap, e.g. {LSTM: {units: 64, return_sequences: true}}.', required: true },
    merge_mode: {
      schema: { enum: ['sum', 'mul', 'concat', 'ave'] },
      description: 'How the forward and backward outputs are combined.',
      default: 'concat',
    },
  },
  build(a, common, ctx) {
    const { entry, layer } = buildNested(a.layer, 'Bidirectional', ctx);
    if (entry.category !== 'recurrent' || entry.name === 'Bidirectional' || entry.name === 'TimeDistributed') {
      throw new Error(`Bidirectional wraps a recurrent layer (LSTM, GRU, SimpleRNN, ConvLSTM2D), got ${entry.name}`);
    }
    const bi = tf.layers.bidirectional({
      ...common,
      layer: layer as tf.RNN,
      mergeMode: ((a.merge_mode as string | undefined) ?? 'concat') as 'sum' | 'mul' | 'concat' | 'ave',
    });
    reseedBackward(bi);
    return bi;
  },
};

/**
 * tfjs makes the backward layer by cloning the forward one's config, seeds included, so both
 * directions would start from identical weights. Give the backward copy its own seeds.
 */
function reseedBackward(bi: tf.layers.Layer): void {
  const back = (bi as unknown as { backwardLayer?: { cell?: Record<string, unknown> } }).backwardLayer;
  const cell = back?.cell;
  if (!cell) return;
  for (const key of ['kernelInitializer', 'recurrentInitializer', 'biasInitializer']) {
    const initializer = cell[key] as { seed?: unknown } | undefined;
    if (initializer && typeof initializer.seed === 'number') initializer.seed = mixSeed(initializer.seed, 0xbac);
  }
}

export const TimeDistributed: LayerEntry = {
  name: 'TimeDistributed',
  category: 'recurrent',
  description: 'Applies a layer to every temporal slice of the input (axis 1).',
  inputShape: '(batch_size, timesteps, ...) where ... is what the wrapped layer takes.',
  outputShape: '(batch_size, timesteps, ...) where ... is what the wrapped layer returns.',
  positional: 'layer',
  args: {
    layer: { schema: NESTED_LAYER_SCHEMA, description: 'The layer to apply to each timestep, e.g. {Dense: 10}. Give this or `model`.' },
    model: {
      schema: { type: 'string', minLength: 1 },
      description: 'Functional models: the name of a model under `models:` to apply to each timestep (Keras\'s TimeDistributed(model)); its weights are shared with every other use of that model.',
    },
  },
  build(a, common, ctx) {
    const hasLayer = a.layer !== undefined && a.layer !== null;
    if (hasLayer === (typeof a.model === 'string')) {
      throw new Error(hasLayer
        ? 'TimeDistributed takes either "layer" or "model", not both'
        : 'TimeDistributed needs the layer to apply, e.g. {layer: {Dense: 10}}, or a model from models:, e.g. {model: classifier}');
    }
    if (typeof a.model === 'string') {
      if (!ctx.nestedModel) throw new Error(`TimeDistributed: {model: ${a.model}} needs a functional model (give the model "inputs:")`);
      return tf.layers.timeDistributed({ ...common, layer: ctx.nestedModel(a.model) });
    }
    const { layer } = buildNested(a.layer, 'TimeDistributed', ctx);
    return tf.layers.timeDistributed({ ...common, layer });
  },
};
