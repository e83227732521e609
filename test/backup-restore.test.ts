/**
 * BackupAndRestore, as in Keras: a job killed mid-training and simply started again (no --resume)
 * picks up from the backup of its last finished epoch, and the backup is deleted once training ends.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, kerats, tempDir, trainAndKill } from './helpers/cli.js';

test('BackupAndRestore: killed after epoch 2 of 6, a plain restart resumes at epoch 3 and removes the backup', async () => {
  const dir = tempDir();
  const backup = path.join(dir, 'backup');
  const runs = path.join(dir, 'runs');
  const file = path.join(dir, 'job.yaml');
  writeFileSync(
    file,
    `name: job
seed: 5
data:
  train: {csv: ${path.join(ROOT, 'data', 'iris.csv')}, label: species}
  validation_split: 0.2
model:
  input_shape: [4]
  layers:
    - Dense: {units: 8, activation: relu}
    - Dense: {units: 3, activation: softmax}
compile:
  optimizer: adam
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
fit:
  epochs: 6
  batch_size: 8
  callbacks:
    - BackupAndRestore: {backup_dir: ${backup}}
`,
  );
  const killed = await trainAndKill([file, '--runs', runs], dir, 2, 'SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  assert.ok(existsSync(backup) && readdirSync(backup).length > 0, 'the backup survives the kill');

  const again = await kerats(['train', file, '--runs', runs, '--json'], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  const out = JSON.parse(again.stdout) as { run_dir: string; epochs_completed: number; history: { loss: number[] } };
  assert.equal(out.history.loss.length, 6, 'the history of all six epochs, the first two from before the kill');
  const manifest = JSON.parse(readFileSync(path.join(out.run_dir, 'manifest.json'), 'utf8')) as { resumed_from_epoch: number | null };
  assert.ok(manifest.resumed_from_epoch !== null && manifest.resumed_from_epoch >= 2, `resumed from epoch ${manifest.resumed_from_epoch}`);
  assert.ok(!existsSync(backup) || readdirSync(backup).length === 0, 'the backup is deleted when training ends');
});
