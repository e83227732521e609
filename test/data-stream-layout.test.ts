/**
 * Streamed CSVs honour the same layout options as the in-memory reader (delimiter / TSV, quoted
 * fields holding delimiters, line breaks and doubled quotes, header or not), because blocks are cut
 * only between records and every block goes through the same parser: the same quoted TSV gives
 * identical tensors and identical error positions either way.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { CsvSource } from '../src/config/types.js';
import { parseCsv } from '../src/runtime/data/csv.js';
import { loadData } from '../src/runtime/data/index.js';
import { csvChunks } from '../src/runtime/data/stream-chunks.js';
import { loadStreamingData } from '../src/runtime/data/stream.js';
import { DataError } from '../src/util/errors.js';
import { tempDir } from './helpers/cli.js';

const ROWS = 240;
const LABELS = ['plain', 'with\ttab', 'two\nlines', 'say ""hi""'];

/** id, a (sometimes quoted), a free-text note with tabs / line breaks / quotes, label (quoted variants). */
function quotedTsv(header: boolean): string {
  const lines = header ? ['id\ta\tnote\tlabel'] : [];
  for (let i = 0; i < ROWS; i++) {
    const a = i % 3 === 0 ? `"${i * 0.5}"` : String(i * 0.5);
    const note = i % 4 === 0 ? `"note ${i}\nsecond line\twith a tab and ""quotes"""` : `note ${i}`;
    const label = LABELS[i % LABELS.length] as string;
    lines.push(`${i}\t${a}\t${note}\t${label === 'plain' ? label : `"${label}"`}`);
  }
  return lines.join('\n') + '\n';
}

function source(file: string, extra: Partial<CsvSource> = {}): CsvSource {
  return { kind: 'csv', path: file, given: path.basename(file), label: 'label', features: ['id', 'a'], format: 'tsv', ...extra };
}

/** All rows of a streamed source, in file order, as flat x and y. */
async function streamedTensors(src: CsvSource): Promise<{ x: number[]; y: number[]; classes?: string[] }> {
  const data = await loadStreamingData({ train: src }, src, { encoding: 'sparse' });
  const x: number[] = [];
  const y: number[] = [];
  for await (const b of data.train.batches(64, { epoch: 0, shuffle: false, seed: 1 })) {
    x.push(...(b.x as tf.Tensor).dataSync());
    y.push(...(b.y as tf.Tensor).dataSync());
    tf.dispose([b.x, b.y] as tf.Tensor[]);
  }
  return { x, y, ...(data.preprocessing.classes ? { classes: data.preprocessing.classes } : {}) };
}

async function inMemoryTensors(src: CsvSource): Promise<{ x: number[]; y: number[]; classes?: string[] }> {
  const data = await loadData({ train: src }, { encoding: 'sparse' });
  const x = Array.from((data.train.x as tf.Tensor).dataSync());
  const y = Array.from((data.train.y as tf.Tensor).dataSync());
  tf.dispose([data.train.x, data.train.y] as tf.Tensor[]);
  return { x, y, ...(data.preprocessing.classes ? { classes: data.preprocessing.classes } : {}) };
}

test('csvChunks cuts tiny blocks only between records of a quoted TSV: the same cells and line numbers as one parse', async () => {
  await tf.setBackend('cpu');
  const dir = tempDir();
  const text = quotedTsv(true);
  const file = path.join(dir, 'quoted.tsv');
  writeFileSync(file, text);
  const plan = () => ({ features: [0, 1], label: 3, strings: [2] });
  const whole = parseCsv(text, 'quoted.tsv', plan, { delimiter: '\t' });
  const x: number[] = [];
  const labels: string[] = [];
  const notes: string[] = [];
  const lines: number[] = [];
  let chunks = 0;
  for await (const { data, firstRow } of csvChunks({ path: file, given: 'quoted.tsv', plan, blockBytes: 13, layout: { delimiter: '\t' } })) {
    assert.equal(firstRow, labels.length);
    x.push(...data.x);
    labels.push(...(data.labels ?? []));
    notes.push(...(data.strings[0] ?? []));
    lines.push(...data.lines);
    chunks++;
  }
  assert.ok(chunks > 100, `${chunks} chunks`);
  assert.deepEqual(x, Array.from(whole.x));
  assert.deepEqual(labels, whole.labels);
  assert.deepEqual(notes, whole.strings[0]);
  assert.deepEqual(lines, Array.from(whole.lines));
  assert.equal(labels[3], 'say "hi"');
  assert.equal(notes[0], 'note 0\nsecond line\twith a tab and "quotes"');
});

test('the same quoted TSV gives identical tensors in memory and streamed, with a header and without', async () => {
  await tf.setBackend('cpu');
  const dir = tempDir();
  const withHeader = path.join(dir, 'with-header.tsv');
  writeFileSync(withHeader, quotedTsv(true));
  const mem = await inMemoryTensors(source(withHeader));
  const streamed = await streamedTensors(source(withHeader, { stream: true }));
  assert.equal(mem.x.length, ROWS * 2);
  assert.deepEqual(streamed, mem);
  assert.deepEqual(mem.classes, [...LABELS].map((l) => l.replace(/""/g, '"')).sort());

  // No header line: names from `columns`; a .txt file with an explicit delimiter instead of format tsv.
  const bare = path.join(dir, 'bare.txt');
  writeFileSync(bare, quotedTsv(false));
  const layout: Partial<CsvSource> = { header: false, columns: ['id', 'a', 'note', 'label'], delimiter: '\t' };
  const bareSrc = { ...source(bare, layout) };
  delete bareSrc.format;
  const memBare = await inMemoryTensors(bareSrc);
  assert.deepEqual(await streamedTensors({ ...bareSrc, stream: true }), memBare);
  assert.deepEqual(memBare, mem);
});

test('a bad cell after multi-line quoted fields has the same file:line:column in memory and streamed', async () => {
  await tf.setBackend('cpu');
  const dir = tempDir();
  const lines = quotedTsv(true).split('\n');
  // Record 201 (id 200, a multiple of 4, so its note spans two lines): make its `a` cell bad.
  const at = lines.findIndex((l) => l.startsWith('200\t'));
  lines[at] = (lines[at] as string).replace(/^200\t100\t/, '200\tabc\t');
  const file = path.join(dir, 'bad.tsv');
  writeFileSync(file, lines.join('\n'));
  const where = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof DataError, String(e));
      const loc = e.problems[0]?.loc;
      return `${loc?.file}:${loc?.line}:${loc?.col}: ${e.problems[0]?.message}`;
    }
    return assert.fail('no error');
  };
  const mem = await where(loadData({ train: source(file) }, { encoding: 'sparse' }));
  const streamed = await where(loadStreamingData({ train: source(file, { stream: true }) }, source(file, { stream: true }), { encoding: 'sparse' }));
  // The header is line 1; of the 200 earlier records, 50 had a two-line note and 50 a two-line label: record 201 starts on line 302.
  assert.equal(mem, `bad.tsv:${at + 1}:2: column "a" is not a number: "abc" (for a column of categories declare \`preprocess: {a: one_hot}\` or integer_lookup; for free text, \`text\`)`);
  assert.equal(at + 1, 302);
  assert.equal(streamed, mem);
  assert.ok(readFileSync(file, 'utf8').includes('200\tabc\t'));
});
