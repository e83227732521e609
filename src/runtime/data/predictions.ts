/**
 * Model outputs to output rows: for a classifier the class label and one probability column per
 * class (`prob_setosa`), for a regressor the values, for a multi-output model one column group per
 * output (prefixed with the output's name), for `--layer` the flattened activations.
 */
import type * as tf from '@tensorflow/tfjs';
import type { PreprocessingState } from './types.js';

export type Cell = string | number;

export interface OutputGroup {
  columns: string[];
  /** Row i's cells for this group. */
  rows(values: Float32Array, width: number, i: number): Cell[];
}

function classNames(state: PreprocessingState, k: number): string[] {
  return state.classes ?? Array.from({ length: k }, (_, i) => String(i));
}

/**
 * The state that describes output `name`: its own labels, vocabulary and encoding for a model
 * trained with a label column per output, else the run's single label's.
 */
export function outputState(state: PreprocessingState, name: string | undefined): PreprocessingState {
  const o = name === undefined ? undefined : state.outputs?.[name];
  if (!o) return state;
  return { features: state.features, label: o.label, ...(o.classes ? { classes: o.classes } : {}), ...(o.numClasses !== undefined ? { numClasses: o.numClasses } : {}), encoding: o.encoding };
}

/** How one output's values become cells, from the saved encoding and the output's width. */
export function outputGroup(state: PreprocessingState, width: number, prefix: string, activations: boolean): OutputGroup {
  const p = prefix === '' ? '' : `${prefix}_`;
  if (activations || state.encoding === 'regression') {
    const name = activations ? `${prefix || 'activation'}` : state.label ?? 'prediction';
    const columns = width === 1 ? [`${p}${activations ? name : 'prediction'}`] : Array.from({ length: width }, (_, j) => `${activations ? name : `${p}prediction`}_${j}`);
    return { columns, rows: (v, w, i) => Array.from(v.subarray(i * w, (i + 1) * w)) };
  }
  if (state.encoding === 'binary' || width === 1) {
    const names = classNames(state, 2);
    const [neg = '0', pos = '1'] = names;
    return {
      columns: [`${p}prediction`, `${p}prob_${neg}`, `${p}prob_${pos}`],
      rows: (v, w, i) => {
        const q = v[i * w] ?? 0;
        return [q >= 0.5 ? pos : neg, 1 - q, q];
      },
    };
  }
  const names = classNames(state, width);
  return {
    columns: [`${p}prediction`, ...names.map((c) => `${p}prob_${c}`)],
    rows: (v, w, i) => {
      let best = 0;
      for (let j = 1; j < w; j++) if ((v[i * w + j] ?? -Infinity) > (v[i * w + best] ?? -Infinity)) best = j;
      return [names[best] ?? String(best), ...Array.from(v.subarray(i * w, (i + 1) * w))];
    },
  };
}

/** Output tensors as flat arrays with their per-row widths. */
export function flatOutputs(out: tf.Tensor | tf.Tensor[]): { values: Float32Array; width: number }[] {
  return (Array.isArray(out) ? out : [out]).map((t) => {
    const n = t.shape[0] ?? 0;
    const values = t.dataSync() as Float32Array;
    return { values: Float32Array.from(values), width: n > 0 ? values.length / n : 0 };
  });
}

/** A CSV cell, quoted when it holds the delimiter, a quote or a line break. */
export function csvCell(c: Cell, delimiter = ','): string {
  const s = typeof c === 'number' ? String(c) : c;
  return s.includes(delimiter) || /["\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes rows as CSV, JSON (one array) or NDJSON, header / brackets handled across chunks. */
export class RowWriter {
  private started = false;
  private count = 0;

  constructor(
    private readonly format: 'csv' | 'json' | 'ndjson',
    private readonly write: (s: string) => Promise<void>,
  ) {}

  async rows(columns: string[], rows: Cell[][]): Promise<void> {
    let out = '';
    if (!this.started) {
      if (this.format === 'csv') out += columns.map((c) => csvCell(c)).join(',') + '\n';
      if (this.format === 'json') out += '[';
      this.started = true;
    }
    for (const r of rows) {
      if (this.format === 'csv') out += r.map((c) => csvCell(c)).join(',') + '\n';
      else {
        const rec = JSON.stringify(Object.fromEntries(columns.map((c, j) => [c, r[j] ?? null])));
        out += this.format === 'json' ? `${this.count > 0 ? ',' : ''}\n  ${rec}` : `${rec}\n`;
      }
      this.count++;
    }
    if (out !== '') await this.write(out);
  }

  async end(columns: string[]): Promise<void> {
    if (!this.started) await this.rows(columns, []);
    if (this.format === 'json') await this.write('\n]\n');
  }
}
