/**
 * Checks that saved weights are whole and finite, so a damaged run folder is refused with the file
 * at fault instead of failing deep inside tfjs ("byte length of Float32Array should be a multiple
 * of 4"), being silently accepted (a weights.bin of twice the size) or predicting NaN:
 * - the weight files' sizes must be exactly what the manifest's shapes and dtypes add up to;
 * - no float weight may hold NaN or Infinity (at load, and at save: a diverged run is said so).
 */
import type * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { DataError } from '../util/errors.js';

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** Bytes one manifest entry takes in the weights file; undefined for variable-size (string) data. */
export function entryBytes(spec: tf.io.WeightsManifestEntry): number | undefined {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const per = DTYPE_BYTES[dtype];
  if (per === undefined) return undefined;
  return spec.shape.reduce((a, b) => a * b, 1) * per;
}

/** Bytes all entries take; undefined when one has no fixed size. */
export function manifestBytes(specs: readonly tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const s of specs) {
    const n = entryBytes(s);
    if (n === undefined) return undefined;
    total += n;
  }
  return total;
}

/**
 * Refuses weight files whose total size differs from what `manifestFile` declares, saying which
 * file is short or long and by how much. `files` are the manifest's weight files with their sizes.
 */
export function checkWeightSizes(manifestFile: string, specs: readonly tf.io.WeightsManifestEntry[], files: readonly { file: string; bytes: number }[]): void {
  const expected = manifestBytes(specs);
  if (expected === undefined) return;
  const actual = files.reduce((n, f) => n + f.bytes, 0);
  if (actual === expected) return;
  const last = files[files.length - 1];
  const which = files.length === 1 && last ? `"${last.file}"` : `the weight files (${files.map((f) => `"${f.file}"`).join(', ')})`;
  const is = files.length === 1 ? 'is' : 'are';
  const diff = Math.abs(actual - expected);
  const how = actual < expected ? `${diff.toLocaleString('en-US')} bytes short: the file is truncated` : `${diff.toLocaleString('en-US')} bytes too long: the file is not the one "${path.basename(manifestFile)}" was saved with`;
  throw new DataError(
    `${which} ${is} ${actual.toLocaleString('en-US')} bytes but the weight manifest in "${manifestFile}" needs ${expected.toLocaleString('en-US')} (${how}); ` +
      'restore the run folder from a backup or train again',
  );
}

/** The first float weight holding NaN or Infinity: its name and how many such values, or undefined. */
export function firstNonFinite(specs: readonly tf.io.WeightsManifestEntry[], data: Uint8Array): { name: string; count: number; nan: boolean } | undefined {
  let offset = 0;
  for (const s of specs) {
    const bytes = entryBytes(s);
    if (bytes === undefined) return undefined;
    if (s.dtype === 'float32' && !s.quantization && offset % 4 === 0 && offset + bytes <= data.byteLength) {
      const values = new Float32Array(data.buffer, data.byteOffset + offset, bytes / 4);
      let count = 0;
      let nan = false;
      for (const v of values) {
        if (!Number.isFinite(v)) {
          count++;
          if (Number.isNaN(v)) nan = true;
        }
      }
      if (count > 0) return { name: s.name, count, nan };
    } else if (s.dtype === 'float32' && !s.quantization && offset + bytes <= data.byteLength) {
      // Unaligned (concatenated buffers): copy the entry out to look at it.
      const found = firstNonFinite([{ ...s }], data.slice(offset, offset + bytes));
      if (found) return found;
    }
    offset += bytes;
  }
  return undefined;
}

/** A model whose weights hold NaN or Infinity: training diverged, or the file was damaged. */
export class NonFiniteWeightsError extends DataError {
  constructor(
    message: string,
    readonly weight: string,
  ) {
    super(message);
    this.name = 'NonFiniteWeightsError';
  }
}

/** Throws `NonFiniteWeightsError` when a float weight in `data` is NaN or infinite; `what` starts the message. */
export function checkFinite(specs: readonly tf.io.WeightsManifestEntry[], data: Uint8Array, what: string): void {
  const bad = firstNonFinite(specs, data);
  if (!bad) return;
  const values = `${bad.count.toLocaleString('en-US')} ${bad.nan ? 'NaN' : 'infinite'} value${bad.count === 1 ? '' : 's'}`;
  throw new NonFiniteWeightsError(`${what}: the weight "${bad.name}" holds ${values}`, bad.name);
}
