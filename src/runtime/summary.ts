/**
 * `model.summary()` as Keras 2 prints it: the same columns, widths and totals, so a Keras user can
 * compare parameter counts line by line. The structured form is what `summary --json` prints.
 */
import type * as tf from '@tensorflow/tfjs';
import { formatShape } from './model-builder.js';

export interface LayerSummary {
  name: string;
  type: string;
  output_shape: (number | null)[] | (number | null)[][];
  params: number;
  /** Functional models: the inbound tensors, Keras-style `layer[node][tensor]` (empty for inputs). */
  connected_to?: string[];
  /** A nested model's own layers (with `--expand`). */
  layers?: LayerSummary[];
}

export interface ModelSummary {
  model: string;
  /** `functional` (Keras's Model: input rows and a "Connected to" column) or `sequential`. */
  kind?: 'sequential' | 'functional';
  layers: LayerSummary[];
  total_params: number;
  trainable_params: number;
  non_trainable_params: number;
}

function countWeights(weights: tf.LayerVariable[]): number {
  return weights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** Keras 2 names a nested functional model's class `Functional`; tfjs says `Model`. */
function kerasClassName(l: tf.layers.Layer): string {
  const c = l.getClassName();
  return c === 'Model' ? 'Functional' : c;
}

const isSequential = (m: tf.LayersModel): boolean => m.getClassName() === 'Sequential';
const isModel = (l: tf.layers.Layer): l is tf.LayersModel => 'layers' in l && Array.isArray((l as tf.LayersModel).layers);

interface InboundNode {
  inboundLayers: tf.layers.Layer[];
  nodeIndices: number[];
  tensorIndices: number[];
}

/**
 * Keras's number for node `index` of `layer`: a tfjs model keeps the node of its own construction
 * (no inbound layers) as node 0, so its first call is node 1; Keras 3 counts calls only, from 0.
 */
function kerasNodeIndex(layer: tf.layers.Layer, index: number): number {
  if (layer.getClassName() === 'InputLayer') return index;
  const nodes = (layer as unknown as { inboundNodes: InboundNode[] }).inboundNodes;
  return nodes.slice(0, index).filter((n) => n.inboundLayers.length > 0).length;
}

/** `['lstm_out[0][0]', 'aux_input[0][0]']`: each of this layer's calls inside `model`, as Keras lists them. */
function connections(layer: tf.layers.Layer, model: tf.LayersModel): string[] {
  const inModel = new Set(model.layers);
  const nodes = (layer as unknown as { inboundNodes: InboundNode[] }).inboundNodes;
  const out: string[] = [];
  for (const node of nodes) {
    // Nodes of this model's graph only: a nested model also has the node of its own Input.
    if (!node.inboundLayers.every((l) => inModel.has(l))) continue;
    const calls = node.inboundLayers.map((l, i) => `${l.name}[${kerasNodeIndex(l, node.nodeIndices[i] ?? 0)}][${node.tensorIndices[i] ?? 0}]`);
    // Self-attention: kerats takes one input, Keras's MultiHeadAttention is always called on
    // (query, value) -- mha(x, x) -- and lists both, so the same model prints the same row.
    if (calls.length === 1 && layer.getClassName() === 'MultiHeadAttention') calls.push(calls[0] as string);
    out.push(...calls);
  }
  return out;
}

function layerRows(model: tf.LayersModel, expand: boolean): LayerSummary[] {
  const functional = !isSequential(model);
  return model.layers
    .filter((l) => functional || l.getClassName() !== 'InputLayer')
    .map((l) => {
      const row: LayerSummary = {
        name: l.name,
        type: kerasClassName(l),
        output_shape: l.outputShape as LayerSummary['output_shape'],
        params: l.countParams(),
      };
      if (functional) row.connected_to = connections(l, model);
      if (expand && isModel(l)) row.layers = layerRows(l, expand);
      return row;
    });
}

/** The summary of `model`; `expand` lists the layers of nested models too (Keras's `expand_nested`). */
export function summarize(model: tf.LayersModel, name: string, opts: { expand?: boolean } = {}): ModelSummary {
  const layers = layerRows(model, opts.expand ?? false);
  const trainable = countWeights(model.trainableWeights);
  const nonTrainable = countWeights(model.nonTrainableWeights);
  return {
    model: name,
    kind: isSequential(model) ? 'sequential' : 'functional',
    layers,
    total_params: trainable + nonTrainable,
    trainable_params: trainable,
    non_trainable_params: nonTrainable,
  };
}

/** `(None, 28, 28, 1)`; several outputs as a list of such tuples. */
export function formatOutputShape(shape: LayerSummary['output_shape']): string {
  if (shape.length > 0 && Array.isArray(shape[0])) return `[${(shape as (number | null)[][]).map((s) => formatShape(s)).join(', ')}]`;
  return formatShape(shape as (number | null)[]);
}

const LINE_LENGTH = 65;
const POSITIONS = [0.45, 0.85, 1.0].map((p) => Math.floor(LINE_LENGTH * p));

/** One table row; text longer than its column wraps onto following lines, as in Keras. */
function row(fields: string[]): string[] {
  const left = [...fields];
  const lines: string[] = [];
  while (left.some((f) => f.length > 0)) {
    let line = '';
    for (let col = 0; col < left.length; col++) {
      const start = col > 0 ? (POSITIONS[col - 1] ?? 0) : 0;
      const end = POSITIONS[col] ?? LINE_LENGTH;
      const space = col !== POSITIONS.length - 1 ? 2 : 0;
      const cutoff = end - start - space;
      const text = left[col] ?? '';
      line += text.slice(0, cutoff) + ' '.repeat(space);
      left[col] = text.slice(cutoff);
      line += ' '.repeat(Math.max(0, end - line.length));
    }
    lines.push(line);
  }
  return lines;
}

export function formatSummary(s: ModelSummary): string {
  if (s.kind === 'functional') return formatFunctional(s);
  const thousands = (n: number) => n.toLocaleString('en-US');
  const out: string[] = [`Model: "${s.model}"`, '_'.repeat(LINE_LENGTH)];
  out.push(...row([' Layer (type)', 'Output Shape', 'Param #']));
  out.push('='.repeat(LINE_LENGTH));
  s.layers.forEach((l, i) => {
    out.push(...row([` ${l.name} (${l.type})`, formatOutputShape(l.output_shape), String(l.params)]));
    if (l.layers) out.push(...nestedBlock(l.layers, 1, LINE_LENGTH, (f, n) => row(f).map((x) => frame(x, n, LINE_LENGTH))));
    if (i < s.layers.length - 1) out.push(' '.repeat(LINE_LENGTH));
  });
  out.push('='.repeat(LINE_LENGTH));
  out.push(`Total params: ${thousands(s.total_params)}`);
  out.push(`Trainable params: ${thousands(s.trainable_params)}`);
  out.push(`Non-trainable params: ${thousands(s.non_trainable_params)}`);
  out.push('_'.repeat(LINE_LENGTH));
  return out.join('\n') + '\n';
}

/** Keras 2's functional layout: line length 98, columns at .33 .55 .67 1.0, and "Connected to". */
const F_LINE = 98;
const F_POSITIONS = [0.33, 0.55, 0.67, 1.0].map((p) => Math.floor(F_LINE * p));

/**
 * A row of the functional table, as Keras 2's `print_row`: each column but the last is cut one
 * character short, and a cell breaks after `),` `],` `',` so each connection gets its own line.
 */
function functionalRow(fields: string[], nested = 0): string[] {
  const left = [...fields];
  const lines: string[] = [];
  while (left.some((f) => f.length > 0)) {
    let line = '';
    for (let col = 0; col < left.length; col++) {
      const start = col > 0 ? (F_POSITIONS[col - 1] ?? 0) : 0;
      const end = F_POSITIONS[col] ?? F_LINE;
      const last = col === F_POSITIONS.length - 1;
      const space = last ? 0 : 2;
      let cutoff = end - start - space - (last ? 0 : 1) - (col === 0 ? nested : 0);
      const text = left[col] ?? '';
      let fit = text.slice(0, cutoff);
      const breaks = ['),', '},', '],', "',"].map((b) => (fit.indexOf(b) >= 0 ? fit.indexOf(b) + b.length : -1)).filter((c) => c >= 0);
      if (breaks.length > 0) {
        cutoff = Math.min(...breaks);
        fit = fit.slice(0, cutoff);
      }
      if (col === 0) line += '|'.repeat(nested) + ' ';
      line += fit + ' '.repeat(space);
      left[col] = text.slice(cutoff);
      line += ' '.repeat(Math.max(0, end - line.length - nested));
    }
    lines.push(line + '|'.repeat(nested));
  }
  return lines;
}

/** `['a[0][0]', 'b[0][0]']`, Python's str() of the list. */
const pyList = (xs: string[]): string => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

function frame(line: string, nested: number, width: number): string {
  return nested > 0 ? `|${line.slice(0, width - 2).padEnd(width - 2)}|` : line;
}

/** A nested model's layers inside a `|...|` box (Keras's `expand_nested`). */
function nestedBlock(layers: LayerSummary[], nested: number, width: number, rowOf: (fields: string[], nested: number) => string[]): string[] {
  const out: string[] = [`|${'¯'.repeat(width - 2)}|`];
  layers.forEach((l, i) => {
    out.push(...rowOf([` ${l.name} (${l.type})`, formatOutputShape(l.output_shape), String(l.params)], nested));
    if (l.layers) out.push(...nestedBlock(l.layers, nested + 1, width, rowOf));
    if (i < layers.length - 1) out.push(`|${' '.repeat(width - 2)}|`);
  });
  out.push('¯'.repeat(width));
  return out;
}

function formatFunctional(s: ModelSummary): string {
  const thousands = (n: number) => n.toLocaleString('en-US');
  const out: string[] = [`Model: "${s.model}"`, '_'.repeat(F_LINE)];
  out.push(...functionalRow(['Layer (type)', 'Output Shape', 'Param #', 'Connected to']));
  out.push('='.repeat(F_LINE));
  s.layers.forEach((l, i) => {
    // Keras 2 prints an InputLayer's shape as a list of one tuple: [(None, 100)].
    const shape = l.type === 'InputLayer' && !Array.isArray(l.output_shape[0]) ? `[${formatOutputShape(l.output_shape)}]` : formatOutputShape(l.output_shape);
    out.push(...functionalRow([`${l.name} (${l.type})`, shape, String(l.params), pyList(l.connected_to ?? [])]));
    if (l.layers) out.push(...nestedBlock(l.layers, 1, F_LINE, (f, n) => functionalRow([...f.map((x, k) => (k === 0 ? x.trimStart() : x)), ''], n)));
    if (i < s.layers.length - 1) out.push(' '.repeat(F_LINE));
  });
  out.push('='.repeat(F_LINE));
  out.push(`Total params: ${thousands(s.total_params)}`);
  out.push(`Trainable params: ${thousands(s.trainable_params)}`);
  out.push(`Non-trainable params: ${thousands(s.non_trainable_params)}`);
  out.push('_'.repeat(F_LINE));
  return out.join('\n') + '\n';
}
