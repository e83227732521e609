/** `kerats profile --verbose` says which path each recurrent layer took (fused native kernel or tfjs's per-step loop, and why). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { kerats, tempDir } from './helpers/cli.js';
import { nativeBlasStatus } from '../src/runtime/native/blas.js';

function config(): string {
  const file = path.join(tempDir(), 'rnn.yaml');
  writeFileSync(
    file,
    [
      'name: rnn',
      'model:',
      '  layers:',
      '    - Bidirectional: {layer: {LSTM: {units: 4, return_sequences: true}}, input_shape: [5, 3]}',
      '    - GRU: {units: 4, return_sequences: true, recurrent_dropout: 0.3}',
      '    - SimpleRNN: 3',
      '    - Dense: 1',
      'compile: {optimizer: adam, loss: mse}',
      'fit: {batch_size: 4}',
    ].join('\n'),
  );
  return file;
}

test('profile --verbose names the fused or generic path of every recurrent layer', async () => {
  const r = await kerats(['profile', config(), '--batches', '1', '--backend', 'wasm', '--verbose']);
  assert.equal(r.code, 0, r.stderr);
  const fused = nativeBlasStatus().available;
  const path = fused ? 'fused$' : 'generic \\(native addon';
  // One list with the attention layers (src/runtime/profile/kernel-path.ts): a Bidirectional's halves under the wrapper's name.
  assert.match(r.stderr, new RegExp(`^path: bidirectional \\(forward\\): ${path}`, 'm'));
  assert.match(r.stderr, new RegExp(`^path: bidirectional \\(backward\\): ${path}`, 'm'));
  assert.match(r.stderr, new RegExp(`^path: simple_rnn: ${path}`, 'm'));
  // recurrent_dropout in training is not fused.
  assert.match(r.stderr, fused ? /^path: gru: generic \(dropout or recurrent_dropout while training\)$/m : /^path: gru: generic \(/m);
});

test('profile --verbose on another backend, or with the fused path turned off, says why it is generic', async () => {
  const cpu = await kerats(['profile', config(), '--batches', '1', '--backend', 'cpu', '--verbose']);
  assert.equal(cpu.code, 0, cpu.stderr);
  assert.match(cpu.stderr, /^path: simple_rnn: generic \(backend cpu/m);
  const off = await kerats(['profile', config(), '--batches', '1', '--backend', 'wasm', '--verbose'], { env: { KERATS_FUSED_RNN: '0' } });
  assert.equal(off.code, 0, off.stderr);
  assert.match(off.stderr, /^path: simple_rnn: generic \(fused path turned off \(KERATS_FUSED_RNN=0\)\)$/m);
});
