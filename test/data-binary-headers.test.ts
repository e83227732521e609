/**
 * One header parser per binary format: data sources (`npy:` / `idx:`) and the built-in datasets
 * read .npy and IDX headers with the same code, so they accept the same files and report a
 * damaged one with the same file name and byte counts (the datasets add how to re-fetch).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parseIdx as datasetIdx } from '../src/runtime/data/datasets/idx.js';
import { parseNpy as datasetNpy } from '../src/runtime/data/datasets/npy.js';
import { encodeIdx, parseIdx, readIdxHeader } from '../src/runtime/data/idx.js';
import { encodeNpy, parseNpy, readNpyHeader } from '../src/runtime/data/npy.js';
import { DataError } from '../src/util/errors.js';

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof DataError, String(e));
    return e.message;
  }
  return assert.fail('no error');
};

test('IDX: both readers read the same header; a truncated file names the byte counts in both', () => {
  const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 7);
  const file = encodeIdx([2, 3, 4], pixels);
  assert.deepEqual(readIdxHeader(file, 'x'), { type: 0x08, bytesPerValue: 1, shape: [2, 3, 4], offset: 16, count: 24 });
  const plain = parseIdx(gzipSync(file), 'x.gz');
  const dataset = datasetIdx(gzipSync(file), 'x.gz', [2, 3, 4]);
  assert.deepEqual(dataset.shape, plain.shape);
  assert.deepEqual(Array.from(dataset.data), Array.from(plain.data));

  const cut = gzipSync(file.subarray(0, file.length - 5));
  const why = 'shape [2, 3, 4] needs 24 bytes of data but only 19 are there (truncated?)';
  assert.equal(message(() => parseIdx(cut, 'cut.gz')), `cut.gz: ${why}`);
  assert.equal(message(() => datasetIdx(cut, 'cut.gz')), `cut.gz: ${why}; delete it so kerats can fetch it again`);
  // A datasets file must be unsigned bytes and hold exactly what its header says.
  const longer = gzipSync(Uint8Array.from([...file, 0]));
  assert.match(message(() => datasetIdx(longer, 'long.gz')), /^long\.gz is damaged: its header says \[2, 3, 4\] \(24 bytes\) but it holds 25; delete it/);
  assert.match(message(() => datasetIdx(gzipSync(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0])), 'f.gz')), /^f\.gz is not an IDX file of unsigned bytes \(type 0xd\)/);
});

test('.npy: both readers share the header parser and its messages', () => {
  const values = Float32Array.from([1.5, -2, 3.25, 4, 5, 6]);
  const file = encodeNpy([3, 2], values);
  const header = readNpyHeader(file, 'a.npy');
  assert.deepEqual({ ...header, offset: header.offset % 64 }, { descr: '<f4', fortranOrder: false, shape: [3, 2], offset: 0 });
  const plain = parseNpy(file, 'a.npy');
  const dataset = datasetNpy(file, 'a.npy');
  assert.deepEqual(dataset.shape, plain.shape);
  assert.deepEqual(Array.from(dataset.data as Float32Array), Array.from(plain.data));

  // Cut inside the header: the same message from both readers.
  const cut = file.subarray(0, 40);
  const expected = `a.npy: not a valid .npy file: the header says it is ${header.offset - 10} bytes long but the file ends first (truncated?)`;
  assert.equal(message(() => parseNpy(cut, 'a.npy')), expected);
  assert.equal(message(() => datasetNpy(cut, 'a.npy')), expected);
  const notNpy = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.equal(message(() => datasetNpy(notNpy, 'b.npy')), message(() => parseNpy(notNpy, 'b.npy')));
});
