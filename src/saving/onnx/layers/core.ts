/** Dense, activations, inference-time identities (dropout and noise), reshapes and Embedding. */
import { activationName, applyActivation } from '../activations.js';
import { float, int, type OnnxGraph } from '../graph.js';
import { findWeight, NotExportable, weight, type Converter, type LayerCall } from './types.js';

/** Applies `name` to x, or stops naming the layer when ONNX has no form of it. */
export function activate(g: OnnxGraph, call: LayerCall, name: string, x: string): string {
  const y = applyActivation(g, name, x, call.layer.name);
  if (y === undefined) throw new NotExportable(call, `its activation "${name}" has no ONNX form`);
  return y;
}

/** The layer's own activation (Dense, Conv*, ...). */
export function layerActivation(g: OnnxGraph, call: LayerCall, x: string): string {
  const act = (call.layer as unknown as { activation?: unknown }).activation ?? call.config.activation;
  return activate(g, call, activationName(act), x);
}

const input = (call: LayerCall): string => {
  const x = call.inputs[0];
  if (x === undefined) throw new NotExportable(call, 'it has no input');
  return x;
};

const rankOf = (call: LayerCall, i = 0): number => call.inputShapes[i]?.length ?? 0;

const identity: Converter = (_g, call) => [input(call)];

const dense: Converter = (g, call) => {
  const k = weight(call.layer, 'kernel');
  const b = findWeight(call.layer, 'bias');
  const name = call.layer.name;
  const y = g.dense(input(call), g.floatConst(`${name}/kernel`, k.values, k.shape), b ? g.floatConst(`${name}/bias`, b.values, b.shape) : undefined, name);
  return [layerActivation(g, call, y)];
};

const activation: Converter = (g, call) => [layerActivation(g, call, input(call))];

const flatten: Converter = (g, call) => {
  let x = input(call);
  const rank = rankOf(call);
  // channels_first: Keras flattens in channels-last order.
  if (call.config.dataFormat === 'channelsFirst' && rank > 2) x = g.transpose(x, [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1], `${call.layer.name}/to_channels_last`);
  return [g.node('Flatten', [x], { axis: int(1) }, call.layer.name)];
};

const reshape: Converter = (g, call) => {
  // tfjs keeps Keras's -1 (the inferred dimension) as null.
  const target = (call.config.targetShape as (number | null)[]).map((d) => d ?? -1);
  return [g.reshape(input(call), [0, ...target], call.layer.name)];
};

const permuteLayer: Converter = (g, call) => [g.transpose(input(call), [0, ...(call.config.dims as number[])], call.layer.name)];

const repeatVector: Converter = (g, call) => {
  const n = call.config.n as number;
  const name = call.layer.name;
  const x = g.node('Unsqueeze', [input(call), g.int64Const(`${name}/axes`, [1])], {}, `${name}/Unsqueeze`);
  return [g.node('Tile', [x, g.int64Const(`${name}/repeats`, [1, n, 1])], {}, name)];
};

const embedding: Converter = (g, call) => {
  if (call.config.maskZero === true) throw new NotExportable(call, 'mask_zero=true (the mask changes what later layers compute, and ONNX has no masks); train with mask_zero=false to export');
  const w = weight(call.layer, 'embeddings');
  const name = call.layer.name;
  const ids = g.node('Cast', [input(call)], { to: int(7) }, `${name}/ids`);
  return [g.node('Gather', [g.floatConst(`${name}/embeddings`, w.values, w.shape), ids], { axis: int(0) }, name)];
};

const relu: Converter = (g, call) => {
  const name = call.layer.name;
  const max = call.config.maxValue;
  const y = g.node('Relu', [input(call)], {}, `${name}/Relu`);
  return [typeof max === 'number' ? g.node('Clip', [y, g.scalar(`${name}/min`, 0), g.scalar(`${name}/max`, max)], {}, name) : y];
};

const leakyRelu: Converter = (g, call) => [g.node('LeakyRelu', [input(call)], { alpha: float((call.config.alpha as number | undefined) ?? 0.3) }, call.layer.name)];

const elu: Converter = (g, call) => [g.node('Elu', [input(call)], { alpha: float((call.config.alpha as number | undefined) ?? 1) }, call.layer.name)];

const thresholdedRelu: Converter = (g, call) => [g.node('ThresholdedRelu', [input(call)], { alpha: float((call.config.theta as number | undefined) ?? 1) }, call.layer.name)];

const prelu: Converter = (g, call) => {
  const a = weight(call.layer, 'alpha');
  return [g.node('PRelu', [input(call), g.floatConst(`${call.layer.name}/alpha`, a.values, a.shape)], {}, call.layer.name)];
};

const softmax: Converter = (g, call) => {
  const axis = call.config.axis ?? -1;
  if (typeof axis !== 'number') throw new NotExportable(call, 'a softmax over several axes');
  return [g.node('Softmax', [input(call)], { axis: int(axis) }, call.layer.name)];
};

const rescaling: Converter = (g, call) => {
  const name = call.layer.name;
  const y = g.node('Mul', [input(call), g.scalar(`${name}/scale`, (call.config.scale as number | undefined) ?? 1)], {}, `${name}/Mul`);
  const offset = (call.config.offset as number | undefined) ?? 0;
  return [offset === 0 ? y : g.node('Add', [y, g.scalar(`${name}/offset`, offset)], {}, name)];
};

export const CORE_CONVERTERS: Record<string, Converter> = {
  Dense: dense,
  Activation: activation,
  Dropout: identity,
  SpatialDropout1D: identity,
  SpatialDropout2D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  Flatten: flatten,
  Reshape: reshape,
  Permute: permuteLayer,
  RepeatVector: repeatVector,
  Embedding: embedding,
  ReLU: relu,
  LeakyReLU: leakyRelu,
  ELU: elu,
  ThresholdedReLU: thresholdedRelu,
  PReLU: prelu,
  Softmax: softmax,
  Rescaling: rescaling,
};


