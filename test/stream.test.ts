/**
 * Streaming CSVs: chunked parsing (rows across block boundaries, real line numbers in errors),
 * every row once per epoch with a seeded bounded shuffle, Keras's validation_split by row count,
 * and the `stream` switch; then a 2,000,000-row CSV trained through the real CLI in a child
 * process whose peak RSS must stay under 1 GiB.
 */
import assert from 'node:assert/strict';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { CsvSource, DataSpec } from '../src/config/types.js';
import { csvChunks } from '../src/runtime/data/stream-chunks.js';
import { loadStreamingData, wantsStreaming, type StreamingCsv } from '../src/runtime/data/stream.js';
import { DataError } from '../src/util/errors.js';
import { hasStackTrace, kerats, tempDir } from './helpers/cli.js';

/** id, a, b, label: a = id, b = 2 * id, label "even"/"odd". */
function smallCsv(dir: string, rows: number, name = 'small.csv'): CsvSource {
  const lines = ['id,a,label'];
  for (let i = 0; i < rows; i++) lines.push(`${i},${i * 2},${i % 2 ? 'odd' : 'even'}`);
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { kind: 'csv', path: file, given: name, label: 'label', stream: true };
}

async function epochRows(data: StreamingCsv, batch: number, epoch: number, shuffle: boolean, seed = 5): Promise<{ ids: number[]; ys: number[]; batches: number }> {
  const ids: number[] = [];
  const ys: number[] = [];
  let batches = 0;
  for await (const b of data.batches(batch, { epoch, shuffle, seed })) {
    const x = b.x as tf.Tensor;
    const y = b.y as tf.Tensor;
    const xv = x.dataSync();
    for (let i = 0; i < x.shape[0]!; i++) {
      ids.push(xv[i * 2] as number);
      assert.equal(xv[i * 2 + 1], (xv[i * 2] as number) * 2, 'x columns stay together');
    }
    ys.push(...Array.from(y.dataSync()));
    tf.dispose([x, y]);
    batches++;
  }
  return { ids, ys, batches };
}

test('csvChunks: rows split across tiny blocks come out whole, in order', async () => {
  const src = smallCsv(tempDir(), 500);
  const ids: number[] = [];
  let chunks = 0;
  for await (const { data, firstRow } of csvChunks({ path: src.path, given: src.given, plan: () => ({ features: [0, 1], label: 2 }), blockBytes: 37 })) {
    assert.equal(firstRow, ids.length);
    for (let r = 0; r < data.rows; r++) ids.push(data.x[r * 2] as number);
    chunks++;
  }
  assert.ok(chunks > 50, `${chunks} chunks`);
  assert.deepEqual(ids, Array.from({ length: 500 }, (_, i) => i));
});

test('a bad cell deep in a streamed file is reported with its real line number', async () => {
  const dir = tempDir();
  const src = smallCsv(dir, 300);
  const text = readFileSync(src.path, 'utf8').replace('\n250,500,', '\n250,five hundred,');
  writeFileSync(src.path, text);
  await assert.rejects(
    (async () => {
      for await (const c of csvChunks({ path: src.path, given: src.given, plan: () => ({ features: [0, 1], label: 2 }), blockBytes: 64 })) void c;
    })(),
    (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /small\.csv:252:2: column "a" is not a number: "five hundred"/);
      return true;
    },
  );
});

test('each epoch yields every training row once; the shuffle is seeded, bounded and differs by epoch; validation_split takes the last rows', async () => {
  const src = smallCsv(tempDir(), 1000);
  const spec: DataSpec = { train: src, validationSplit: 0.2 };
  const data = await loadStreamingData(spec, src, { encoding: 'sparse' });
  assert.equal(data.train.size, 800);
  assert.equal(data.validation?.size, 200);
  assert.deepEqual(data.preprocessing.classes, ['even', 'odd']);
  assert.deepEqual(data.preprocessing.features, ['id', 'a']);

  const e0 = await epochRows(data.train, 64, 0, true);
  assert.equal(e0.batches, Math.ceil(800 / 64));
  assert.deepEqual([...e0.ids].sort((a, b) => a - b), Array.from({ length: 800 }, (_, i) => i));
  assert.notDeepEqual(e0.ids, Array.from({ length: 800 }, (_, i) => i), 'shuffled');
  e0.ids.forEach((id, i) => assert.equal(e0.ys[i], id % 2, 'labels travel with their rows'));
  assert.deepEqual((await epochRows(data.train, 64, 0, true)).ids, e0.ids, 'same seed and epoch, same order');
  assert.notDeepEqual((await epochRows(data.train, 64, 1, true)).ids, e0.ids, 'another epoch, another order');

  const v = await epochRows(data.validation as StreamingCsv, 64, 0, false);
  assert.deepEqual(v.ids, Array.from({ length: 200 }, (_, i) => 800 + i), 'the last 20% in file order');
});

test('stream: auto streams only files above KERATS_STREAM_THRESHOLD_MB; stream: false never', () => {
  const src = smallCsv(tempDir(), 100);
  const auto: CsvSource = { ...src, stream: 'auto' };
  assert.equal(wantsStreaming(auto, {}), false);
  assert.equal(wantsStreaming(auto, { KERATS_STREAM_THRESHOLD_MB: '0.0001' }), true);
  assert.equal(wantsStreaming({ ...src, stream: false }, { KERATS_STREAM_THRESHOLD_MB: '0.0001' }), false);
  assert.equal(wantsStreaming(src, {}), true);
});

/** Writes `rows` rows of 4 numeric columns and a label y = (a + b > c + d). */
async function bigCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('a,b,c,d,y\n');
  let seed = 12345;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let start = 0; start < rows; start += 50_000) {
    let block = '';
    for (let i = start; i < Math.min(rows, start + 50_000); i++) {
      const a = rnd();
      const b = rnd();
      const c = rnd();
      const d = rnd();
      block += `${a.toFixed(4)},${b.toFixed(4)},${c.toFixed(4)},${d.toFixed(4)},${a + b > c + d ? 1 : 0}\n`;
    }
    if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
}

test('2,000,000-row CSV streams through `kerats train` with peak RSS under 1 GiB', { timeout: 600_000 }, async () => {
  const dir = tempDir();
  const t0 = Date.now();
  await bigCsv(path.join(dir, 'big.csv'), 2_000_000);
  const genSeconds = (Date.now() - t0) / 1000;
  writeFileSync(
    path.join(dir, 'stream.yaml'),
    [
      'name: stream',
      'seed: 1',
      'data:',
      '  train: {csv: big.csv, label: y, stream: true}',
      '  validation_split: 0.05',
      'model:',
      '  input_shape: [4]',
      '  layers:',
      '    - Dense: {units: 8, activation: relu}',
      '    - Dense: {units: 1, activation: sigmoid}',
      'compile: {optimizer: {Adam: {learning_rate: 0.02}}, loss: binary_crossentropy, metrics: [accuracy]}',
      'fit: {epochs: 1, batch_size: 4096}',
      '',
    ].join('\n'),
  );
  // The child writes its own peak RSS (VmHWM) when it exits.
  const preload = path.join(dir, 'peak-rss.mjs');
  const rssFile = path.join(dir, 'peak-rss.txt');
  writeFileSync(
    preload,
    `import { readFileSync, writeFileSync } from 'node:fs';\nprocess.on('exit', () => {\n` +
      `  const m = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));\n` +
      `  writeFileSync(${JSON.stringify(rssFile)}, String(m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024));\n});\n`,
  );
  const t1 = Date.now();
  const r = await kerats(['train', path.join(dir, 'stream.yaml'), '--json', '--out', path.join(dir, 'run')], {
    env: { NODE_OPTIONS: `--import=${preload}` },
    timeoutMs: 580_000,
  });
  const trainSeconds = (Date.now() - t1) / 1000;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!hasStackTrace(r.stderr));
  const result = JSON.parse(r.stdout) as { history: Record<string, number[]> };
  const peak = Number(readFileSync(rssFile, 'utf8'));
  console.log(`# 2M-row stream: generate ${genSeconds.toFixed(1)} s, train ${trainSeconds.toFixed(1)} s, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(peak > 0 && peak < 2 ** 30, `peak RSS ${peak} bytes`);
  // It learned from the stream: a linearly separable rule, one pass.
  assert.ok((result.history.val_accuracy?.[0] ?? 0) > 0.9, JSON.stringify(result.history));
});

test('CLI: a streamed training CSV with data.test is exit 2 with a way out', async () => {
  const dir = tempDir();
  smallCsv(dir, 50);
  writeFileSync(
    path.join(dir, 'c.yaml'),
    'data:\n  train: {csv: small.csv, label: label, stream: true}\n  test: {csv: small.csv, label: label}\n' +
      'model: {input_shape: [2], layers: [{Dense: {units: 2, activation: softmax}}]}\ncompile: {optimizer: adam, loss: sparse_categorical_crossentropy}\n',
  );
  const r = await kerats(['train', path.join(dir, 'c.yaml'), '--out', path.join(dir, 'run')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /c\.yaml:\d+:\d+: .*a streamed training CSV cannot have data\.test yet; evaluate the test file with `kerats evaluate`/);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
});
