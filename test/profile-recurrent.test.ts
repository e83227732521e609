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
  const path = fused ? 'fused native kernel \\(whole sequence\\)' : 'generic tfjs path \\(native addon';
  assert.match(r.stderr, new RegExp(`recurrent bidirectional \\(forward\\): ${path}`));
  assert.match(r.stderr, new RegExp(`recurrent bidirectional \\(backward\\): ${path}`));
  assert.match(r.stderr, new RegExp(`recurrent simple_rnn: ${path}`));
  // recurrent_dropout in training is not fused.
  assert.match(r.stderr, fused ? /recurrent gru: generic tfjs path \(dropout or recurrent_dropout while training\)/ : /recurrent gru: generic tfjs path \(/);
});

test('profile --verbose on another backend, or with the fused path turned off, says why it is generic', async () => {
  const cpu = await kerats(['profile', config(), '--batches', '1', '--backend', 'cpu', '--verbose']);
  assert.equal(cpu.code, 0, cpu.stderr);
  assert.match(cpu.stderr, /recurrent simple_rnn: generic tfjs path \(backend cpu/);
  const off = await kerats(['profile', config(), '--batches', '1', '--backend', 'wasm', '--verbose'], { env: { KERATS_FUSED_RNN: '0' } });
  assert.equal(off.code, 0, off.stderr);
  assert.match(off.stderr, /recurrent simple_rnn: generic tfjs path \(fused path turned off \(KERATS_FUSED_RNN=0\)\)/);
});
