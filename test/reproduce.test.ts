/** Reproducibility: the same config and seed give byte-identical weights; `kerats reproduce` confirms it. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, kerats, tempDir } from './helpers/cli.js';

describe('kerats reproduce', () => {
  it('re-runs a run and finds identical weights and history; the manifest records the seed drawn for a seedless config', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'c.yaml');
    writeFileSync(
      file,
      `name: repro
data:
  train: {csv: ${path.join(ROOT, 'data', 'iris.csv')}, label: species}
  validation_split: 0.2
model:
  input_shape: [4]
  layers:
    - Dense: {units: 6, activation: relu}
    - Dense: {units: 3, activation: softmax}
compile: {optimizer: {Adam: {learning_rate: 0.01}}, loss: sparse_categorical_crossentropy, metrics: [accuracy]}
fit: {epochs: 3, batch_size: 16}
`,
    );
    const run = path.join(dir, 'first');
    const r = await kerats(['train', file, '--out', run, '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const manifest = JSON.parse(readFileSync(path.join(run, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(typeof manifest.seed, 'number');
    assert.equal(manifest.seed_from_config, false);
    assert.match(String(manifest.config_sha256), /^[0-9a-f]{64}$/);
    assert.match(String(manifest.data_sha256), /^[0-9a-f]{64}$/);
    assert.equal(manifest.tfjs, '4.22.0');
    assert.ok(Array.isArray(manifest.command));

    const again = path.join(dir, 'second');
    const p = await kerats(['reproduce', run, '--out', again, '--json'], { cwd: dir });
    assert.equal(p.code, 0, p.stderr);
    const result = JSON.parse(p.stdout) as { identical: boolean; weights_identical: boolean; history_identical: boolean; seed: number };
    assert.equal(result.seed, manifest.seed);
    assert.equal(result.identical, true);
    // Byte-identical weights files, checked here independently of the command.
    assert.ok(readFileSync(path.join(run, 'weights.bin')).equals(readFileSync(path.join(again, 'weights.bin'))));
    assert.deepEqual(JSON.parse(readFileSync(path.join(again, 'history.json'), 'utf8')), JSON.parse(readFileSync(path.join(run, 'history.json'), 'utf8')));
  });
});
