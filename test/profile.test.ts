/** `kerats profile`: per-layer forward/backward times of a training step, through the real CLI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { hasStackTrace, kerats, tempDir } from './helpers/cli.js';

interface Row {
  name: string;
  className: string;
  forwardMs: number;
  backwardMs: number;
}
interface Profile {
  backend: string;
  batchSize: number;
  batches: number;
  layers: Row[];
  forwardMs: number;
  backwardMs: number;
  updateMs: number;
  totalMs: number;
}

test('profile times every layer of the MLP forward and backward, plus the loss and the update', async () => {
  const r = await kerats(['profile', 'configs/mnist-mlp.yaml', '--batches', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout) as Profile;
  assert.equal(p.backend, 'wasm');
  assert.equal(p.batchSize, 32); // the config's fit.batch_size
  assert.equal(p.batches, 2);
  assert.deepEqual(
    p.layers.map((l) => l.className),
    ['Flatten', 'Dense', 'Dense', 'Dense', 'Loss'],
  );
  for (const l of p.layers.filter((x) => x.className === 'Dense')) {
    assert.ok(l.forwardMs > 0 && l.backwardMs > 0, `${l.name}: ${l.forwardMs} / ${l.backwardMs}`);
  }
  // Flatten reads the model input (not differentiated) and has no weights: nothing to do backward.
  assert.equal(p.layers[0]?.backwardMs, 0);
  assert.ok(p.updateMs > 0);
  const sum = p.layers.reduce((s, l) => s + l.forwardMs + l.backwardMs, 0) + p.updateMs;
  assert.ok(Math.abs(sum - p.totalMs) < 1e-6 * Math.max(1, sum));
});

test('profile prints a caffe-time style table and honours --batch-size and --backend', async () => {
  const r = await kerats(['profile', 'configs/mnist-mlp.yaml', '--batches', '1', '--batch-size', '8', '--backend', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /backend cpu, batch 8, 1 batch\b/);
  assert.match(r.stdout, /^dense_1 \(Dense\)\s+\d+\.\d{3}\s+\d+\.\d{3}$/m);
  assert.match(r.stdout, /Average Forward pass: \d+\.\d{3} ms\./);
  assert.match(r.stdout, /Average Backward pass: \d+\.\d{3} ms\./);
});

test('profile feeds an Embedding token ids and a sparse loss class ids', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'seq.yaml');
  writeFileSync(
    file,
    [
      'name: seq',
      'model:',
      '  layers:',
      '    - Embedding: {input_dim: 50, output_dim: 8, input_length: 6}',
      '    - LSTM: {units: 4}',
      '    - Dense: {units: 3, activation: softmax}',
      'compile: {optimizer: adam, loss: sparse_categorical_crossentropy}',
      'fit: {batch_size: 4}',
    ].join('\n'),
  );
  const r = await kerats(['profile', file, '--batches', '1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const p = JSON.parse(r.stdout) as Profile;
  assert.deepEqual(p.layers.map((l) => l.className), ['Embedding', 'LSTM', 'Dense', 'Loss']);
  // The Embedding's weights get a gradient although its input (token ids) does not.
  assert.ok((p.layers[0]?.backwardMs ?? 0) > 0);
});

test('profile --verbose says which path each attention layer took, and why not the fused one', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'att.yaml');
  writeFileSync(
    file,
    [
      'name: att',
      'model:',
      '  layers:',
      '    - Embedding: {input_dim: 50, output_dim: 8, input_length: 6}',
      '    - MultiHeadAttention: {num_heads: 2, key_dim: 4, name: mha}',
      '    - GlobalAveragePooling1D: {}',
      '    - Dense: {units: 3, activation: softmax}',
      'compile: {optimizer: adam, loss: sparse_categorical_crossentropy}',
      'fit: {batch_size: 4}',
    ].join('\n'),
  );
  const cpu = await kerats(['profile', file, '--batches', '1', '--backend', 'cpu', '--verbose']);
  assert.equal(cpu.code, 0, cpu.stderr);
  assert.match(cpu.stdout + cpu.stderr, /path: mha: generic \(backend cpu/);
  const wasm = await kerats(['profile', file, '--batches', '1', '--backend', 'wasm', '--verbose']);
  assert.equal(wasm.code, 0, wasm.stderr);
  // fused with the native addon built, else generic with the reason.
  assert.match(wasm.stdout + wasm.stderr, /path: mha: (fused|generic \(native addon)/);
});

test('profile rejects a bad --batches and a missing config with exit 2 and no stack trace', async () => {
  const bad = await kerats(['profile', 'configs/mnist-mlp.yaml', '--batches', '0']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--batches expects a whole number of at least 1, got "0"/);
  assert.ok(!hasStackTrace(bad.stderr));
  const missing = await kerats(['profile', 'configs/no-such.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no-such\.yaml/);
  assert.ok(!hasStackTrace(missing.stderr));
});
