/** What a layer converter gets and gives: one call of a Keras layer becomes ONNX nodes. */
import type * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../../util/errors.js';
import type { OnnxGraph } from '../graph.js';

export type Shape = (number | null)[];

export interface LayerCall {
  layer: tf.layers.Layer;
  /** The layer's Keras class name (tfjs's getClassName()). */
  className: string;
  /** ONNX value names of the call's inputs, in the layer's order. */
  inputs: string[];
  inputShapes: Shape[];
  outputShapes: Shape[];
  /** The layer's config (tfjs's camelCase keys). */
  config: Record<string, unknown>;
}

/** Converts one layer call; returns the ONNX names of its outputs, in order. */
export type Converter = (g: OnnxGraph, call: LayerCall) => string[];

/** A layer (or a setting of one) that has no ONNX form here: exit 2, naming the layer and its class. */
export class NotExportable extends ConfigError {
  constructor(call: { layer: { name: string }; className: string }, why?: string) {
    super(`layer "${call.layer.name}" (${call.className}) cannot be exported to ONNX${why ? `: ${why}` : ''}`);
  }
}

/** A weight's values and shape. */
export interface WeightValue {
  values: Float32Array;
  shape: number[];
}

/** The weight of `layer` whose name ends with `/suffix` (e.g. 'kernel', 'query/bias'). */
export function weight(layer: tf.layers.Layer, suffix: string): WeightValue {
  const found = findWeight(layer, suffix);
  if (!found) throw new Error(`internal: layer "${layer.name}" has no weight "${suffix}" (has ${layer.weights.map((w) => w.name).join(', ')})`);
  return found;
}

export function findWeight(layer: tf.layers.Layer, suffix: string): WeightValue | undefined {
  // originalName: tfjs appends _1, _2, ... to `name` when one process loads several models.
  const w = layer.weights.find((v) => v.originalName === suffix || v.originalName.endsWith(`/${suffix}`));
  if (!w) return undefined;
  const t = w.read();
  return { values: Float32Array.from(t.dataSync() as Float32Array), shape: [...t.shape] };
}

/** Axes as non-negative positions of a rank-`rank` tensor. */
export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Transposes a row-major matrix [rows, cols] into [cols, rows]. */
export function transpose2d(v: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = v[r * cols + c] ?? 0;
  return out;
}

/** Permutes a row-major tensor's axes (out axis i = in axis perm[i]). */
export function permute(v: Float32Array, shape: number[], perm: number[]): { values: Float32Array; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p] ?? 1);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = (inStrides[i + 1] ?? 1) * (shape[i + 1] ?? 1);
  const out = new Float32Array(v.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < v.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += (idx[i] ?? 0) * (inStrides[perm[i] ?? 0] ?? 0);
    out[o] = v[src] ?? 0;
    for (let i = rank - 1; i >= 0; i--) {
      idx[i] = (idx[i] ?? 0) + 1;
      if ((idx[i] ?? 0) < (outShape[i] ?? 1)) break;
      idx[i] = 0;
    }
  }
  return { values: out, shape: outShape };
}
