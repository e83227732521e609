/**
 * Memory known before training (README, "Memory"): the step's estimated peak is printed by
 * `summary` and `train --verbose`, a step too big for the wasm backend's 4 GB is refused before any
 * data loads (with a batch size that fits), and the estimate agrees with a real step's peak.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { useBackend } from '../src/runtime/backend.js';
import { isOutOfMemory, outOfMemoryError } from '../src/runtime/memory-guard.js';
import { fusedPaths } from '../src/runtime/fused-paths.js';
import { setFusedLayersEnabled } from '../src/runtime/wasm-kernels/fused-layers.js';
import { setFusedRnnEnabled } from '../src/registry/layers/fused-rnn.js';
import { setFusedAttentionEnabled } from '../src/runtime/wasm-kernels/fused-attention-op.js';
import { measureCase } from '../bench/memory.js';
import { hasStackTrace, kerats, tempDir } from './helpers/cli.js';

const BIG = `name: big-conv
seed: 1
data:
  train:
    synthetic: {samples: 8, x_shape: [1024, 1024, 3], classes: 2}
model:
  input_shape: [1024, 1024, 3]
  layers:
    - Conv2D: {filters: 64, kernel_size: 3, activation: relu}
    - GlobalAveragePooling2D: {}
    - Dense: {units: 2, activation: softmax}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy}
fit: {epochs: 1, batch_size: 32}
`;

test('a model whose step needs more than 4 GB on wasm is refused before training, with the estimate and a batch size that fits', async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'big.yaml'), BIG);
  const r = await kerats(['train', 'big.yaml', '--backend', 'wasm', '--runs', 'runs'], { cwd: dir, env: { KERATS_MEMORY_LIMIT: '' } });
  assert.equal(r.code, 2, r.stderr);
  assert.ok(!hasStackTrace(r.stderr), r.stderr);
  // 1022 x 1022 x 64 floats per sample, three tensors (convolution, bias, relu), and their gradients.
  assert.match(r.stderr, /error: a training step needs ~\d+(\.\d+)? GB \(weights 7\.69 KB, .*activations \d+(\.\d+)? GB at batch size 32/);
  assert.match(r.stderr, /more than fits in the wasm backend's WebAssembly memory \(4\.29 GB\); the layer that needs the most is "conv2d" \(Conv2D, /);
  const fits = Number(/set fit\.batch_size to (\d+) or less/.exec(r.stderr)?.[1]);
  assert.ok(fits >= 1 && fits < 32, r.stderr);
  // Refused before training: no run folder was written.
  assert.ok(!existsSync(path.join(dir, 'runs')) || readdirSync(path.join(dir, 'runs'), { recursive: true }).length === 0);

  // The suggested batch size passes the same check (summary prints the estimate under the limit).
  // On the same backend: wasm's fused kernels keep less than the generic ops --backend auto's summary counts.
  const s = await kerats(['summary', 'big.yaml', '--backend', 'wasm', '--set', `fit.batch_size=${fits}`, '--json'], { cwd: dir });
  assert.equal(s.code, 0, s.stderr);
  const mem = (JSON.parse(s.stdout) as { training_memory: { total: number; batch_size: number; largest_layer: { name: string } } }).training_memory;
  assert.equal(mem.batch_size, fits);
  assert.equal(mem.largest_layer.name, 'conv2d');
  assert.ok(mem.total < 4_294_901_760, String(mem.total));
});

async function benchWithin25Percent(): Promise<void> {
  for (const name of ['mlp', 'cnn', 'lstm']) {
    const row = await measureCase(name);
    assert.ok(row.ratio > 0.75 && row.ratio < 1.25, `${name}: estimated ${row.estimate} bytes, measured ${row.measured} (ratio ${row.ratio.toFixed(2)})`);
  }
}

test('the estimate is within 25% of a real training step\'s peak tensor memory on the bench models (wasm, fused kernels)', async () => {
  await useBackend('wasm');
  // The paths this step takes (measureCase estimates for them): the fused Dense/Conv/Adam kernels at least.
  assert.equal(fusedPaths('wasm').layers, true);
  await benchWithin25Percent();
});

test('with the fused wasm kernels off (tfjs-layers\' own ops, as on the cpu and tensorflow backends) the generic estimate is within 25% too', async () => {
  await useBackend('wasm');
  const was = setFusedLayersEnabled(false);
  setFusedRnnEnabled(false);
  setFusedAttentionEnabled(false);
  try {
    assert.deepEqual(fusedPaths('wasm'), { layers: false, recurrent: false, attention: false });
    await benchWithin25Percent();
  } finally {
    setFusedLayersEnabled(was);
    setFusedRnnEnabled(process.env.KERATS_FUSED_RNN !== '0');
    setFusedAttentionEnabled(process.env.KERATS_FUSED_ATTENTION !== '0');
  }
});

test('an out-of-memory abort becomes one message naming the batch size and the layer, never Aborted()', () => {
  for (const raw of ['Aborted(). Build with -sASSERTIONS for more info.', 'memory access out of bounds', 'kerats-blas: tensor range outside the WebAssembly memory']) {
    assert.ok(isOutOfMemory(new Error(raw)), raw);
  }
  assert.ok(!isOutOfMemory(new Error('Cannot read properties of undefined')));
  const e = outOfMemoryError({ estimate: { batchSize: 16, weights: 4e6, gradients: 4e6, optimizerSlots: 8e6, activations: 5e9, largestTemporary: 1e6, total: 5.1e9, fixed: 1.6e7, perSample: 3e8, update: 6e7, largestLayer: { name: 'multi_head_attention', type: 'MultiHeadAttention', perSample: 2e8 } }, limit: { bytes: 4e9, what: 'x' } }, 16, 'wasm');
  assert.equal(e.exitCode, 2);
  assert.match(e.message, /^the wasm backend ran out of WebAssembly memory while training at batch size 16 \(the layer that needs the most is "multi_head_attention", MultiHeadAttention\); the step was estimated at ~5\.10 GB .*; set fit\.batch_size to 8 \(--set fit\.batch_size=8\), or use --backend tensorflow$/);
  assert.doesNotMatch(e.message, /Aborted|bug/);
});
