/**
 * Walks a tfjs LayersModel from its outputs back to its inputs and converts every layer call it
 * reaches, in dependency order. Functional graphs, shared layers (one conversion per call) and
 * nested models (inlined: their inputs bound to the outer values) all go through the same walk.
 */
import * as tf from '@tensorflow/tfjs';
import type { OnnxGraph } from './graph.js';
import { ATTENTION_CONVERTERS } from './layers/attention.js';
import { CONV_CONVERTERS } from './layers/conv.js';
import { CORE_CONVERTERS } from './layers/core.js';
import { MERGE_CONVERTERS } from './layers/merge.js';
import { NORMALIZATION_CONVERTERS } from './layers/normalization.js';
import { RECURRENT_CONVERTERS } from './layers/recurrent.js';
import { NotExportable, type Converter, type Shape } from './layers/types.js';

/**
 * TimeDistributed: the wrapped layer applied to (N*T, ...) and the result folded back into
 * (N, T, ...); T must be known.
 */
const timeDistributed: Converter = (g, call) => {
  const inner = (call.layer as unknown as { layer: tf.layers.Layer }).layer;
  const className = inner.getClassName();
  const convert = CONVERTERS[className];
  const inShape = call.inputShapes[0] ?? [];
  const outShape = call.outputShapes[0] ?? [];
  const steps = inShape[1];
  const x = call.inputs[0];
  if (!convert || className === 'TimeDistributed') throw new NotExportable({ layer: inner, className }, `ONNX export covers ${EXPORTABLE_CLASSES.join(', ')}`);
  if (x === undefined || typeof steps !== 'number') throw new NotExportable(call, 'a sequence of unknown length');
  const known = (s: Shape): number[] => s.slice(2).map((d) => d ?? -1);
  const name = call.layer.name;
  const flat = g.reshape(x, [-1, ...known(inShape)], `${name}/merge_time`);
  const [y] = convert(g, {
    layer: inner,
    className,
    inputs: [flat],
    inputShapes: [[null, ...inShape.slice(2)]],
    outputShapes: [[null, ...outShape.slice(2)]],
    config: inner.getConfig() as Record<string, unknown>,
  });
  if (y === undefined) throw new NotExportable(call, 'the wrapped layer has no output');
  return [g.reshape(y, [-1, steps, ...known(outShape)], name)];
};

export const CONVERTERS: Record<string, Converter> = {
  TimeDistributed: timeDistributed,
  ...CORE_CONVERTERS,
  ...CONV_CONVERTERS,
  ...NORMALIZATION_CONVERTERS,
  ...MERGE_CONVERTERS,
  ...RECURRENT_CONVERTERS,
  ...ATTENTION_CONVERTERS,
};

/** The layer classes `kerats export --format onnx` converts, for docs and messages. */
export const EXPORTABLE_CLASSES = Object.keys(CONVERTERS).sort();

/** tfjs's graph bookkeeping, which its typings keep internal. */
interface TfNode {
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
}
interface TfLayer {
  inboundNodes: TfNode[];
}

/** ONNX value names by symbolic tensor id, within one (possibly nested) model. */
type Scope = Map<number, string>;

const shapeOf = (t: tf.SymbolicTensor): Shape => [...t.shape];

function valueOf(g: OnnxGraph, t: tf.SymbolicTensor, scope: Scope): string {
  const known = scope.get(t.id);
  if (known !== undefined) return known;
  const layer = t.sourceLayer as tf.layers.Layer;
  const node = (layer as unknown as TfLayer).inboundNodes[t.nodeIndex];
  if (!node || layer.getClassName() === 'InputLayer') throw new Error(`internal: tensor "${t.name}" has no producer in the model being exported`);
  const inputs = node.inputTensors.map((x) => valueOf(g, x, scope));
  const outputs = convertCall(g, layer, node, inputs);
  node.outputTensors.forEach((o, i) => {
    const name = outputs[i];
    if (name !== undefined) scope.set(o.id, name);
  });
  const mine = scope.get(t.id);
  if (mine === undefined) throw new NotExportable({ layer, className: layer.getClassName() }, `its output ${t.tensorIndex} has no ONNX form`);
  return mine;
}

function convertCall(g: OnnxGraph, layer: tf.layers.Layer, node: TfNode, inputs: string[]): string[] {
  if (layer instanceof tf.LayersModel) return convertModel(g, layer, inputs);
  const className = layer.getClassName();
  const converter = CONVERTERS[className];
  if (!converter) throw new NotExportable({ layer, className }, `ONNX export covers ${EXPORTABLE_CLASSES.join(', ')}`);
  return converter(g, {
    layer,
    className,
    inputs,
    inputShapes: node.inputTensors.map(shapeOf),
    outputShapes: node.outputTensors.map(shapeOf),
    config: layer.getConfig() as Record<string, unknown>,
  });
}

/** Converts `model` with its inputs bound to `inputs`; returns its outputs' names. */
export function convertModel(g: OnnxGraph, model: tf.LayersModel, inputs: string[]): string[] {
  const scope: Scope = new Map();
  model.inputs.forEach((t, i) => {
    const name = inputs[i];
    if (name === undefined) throw new Error(`internal: model "${model.name}" needs ${model.inputs.length} inputs, got ${inputs.length}`);
    scope.set(t.id, name);
  });
  return model.outputs.map((t) => valueOf(g, t, scope));
}
