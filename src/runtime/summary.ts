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
}

export interface ModelSummary {
  model: string;
  layers: LayerSummary[];
  total_params: number;
  trainable_params: number;
  non_trainable_params: number;
}

function countWeights(weights: tf.LayerVariable[]): number {
  return weights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

export function summarize(model: tf.LayersModel, name: string): ModelSummary {
  const layers: LayerSummary[] = model.layers
    .filter((l) => l.getClassName() !== 'InputLayer')
    .map((l) => ({
      name: l.name,
      type: l.getClassName(),
      output_shape: l.outputShape as LayerSummary['output_shape'],
      params: l.countParams(),
    }));
  const trainable = countWeights(model.trainableWeights);
  const nonTrainable = countWeights(model.nonTrainableWeights);
  return {
    model: name,
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
  const thousands = (n: number) => n.toLocaleString('en-US');
  const out: string[] = [`Model: "${s.model}"`, '_'.repeat(LINE_LENGTH)];
  out.push(...row([' Layer (type)', 'Output Shape', 'Param #']));
  out.push('='.repeat(LINE_LENGTH));
  s.layers.forEach((l, i) => {
    out.push(...row([` ${l.name} (${l.type})`, formatOutputShape(l.output_shape), String(l.params)]));
    if (i < s.layers.length - 1) out.push(' '.repeat(LINE_LENGTH));
  });
  out.push('='.repeat(LINE_LENGTH));
  out.push(`Total params: ${thousands(s.total_params)}`);
  out.push(`Trainable params: ${thousands(s.trainable_params)}`);
  out.push(`Non-trainable params: ${thousands(s.non_trainable_params)}`);
  out.push('_'.repeat(LINE_LENGTH));
  return out.join('\n') + '\n';
}
