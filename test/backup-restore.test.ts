/**
 * BackupAndRestore, as in Keras: a job killed mid-training and simply started again (no --resume)
 * picks up from the backup of its last finished epoch, and the backup is deleted once training ends.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { kerats, tempDir, trainAndKill, writeIrisConfig } from './helpers/cli.js';

test('BackupAndRestore: killed after epoch 2 of 6, a plain restart resumes at epoch 3 and removes the backup', async () => {
  const dir = tempDir();
  const backup = path.join(dir, 'backup');
  const runs = path.join(dir, 'runs');
  const file = writeIrisConfig(path.join(dir, 'job.yaml'), {
    name: 'job',
    seed: 5,
    units: 8,
    epochs: 6,
    batchSize: 8,
    callbacks: [`- BackupAndRestore: {backup_dir: ${backup}}`],
  });
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
