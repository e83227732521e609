/**
 * Keras's `fit(sample_weight=...)` as a data column: each row's weight multiplies its loss. Shared
 * by the in-memory and streaming loaders so both accept and reject the same cells.
 */
import { cellError, MISSING_TOKENS } from './csv.js';

/** Where the weight cells came from, for messages. */
export interface WeightSource {
  file: string;
  /** The column's name and 1-based position. */
  column: string;
  col: number;
  /** 1-based line of each cell's record. */
  lines: Int32Array;
}

/** The cells as numbers; anything but a finite number >= 0 is a DataError at its cell. */
export function parseWeights(cells: string[], src: WeightSource): Float32Array {
  const out = new Float32Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const s = cells[i] ?? '';
    const v = s.trim() === '' ? NaN : Number(s);
    if (!Number.isFinite(v) || v < 0) {
      const hint = MISSING_TOKENS.has(s.trim()) ? ' (or set `missing: drop` / `missing: fill` on the data source)' : '';
      throw cellError(src.file, src.lines[i] ?? 0, src.col, `sample_weight column "${src.column}" has ${JSON.stringify(s)}; sample weights must be numbers >= 0${hint}`);
    }
    out[i] = v;
  }
  return out;
}
