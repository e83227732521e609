/**
 * Resume: a run killed mid-training (SIGKILL, SIGTERM) continues with `--resume` from its last
 * checkpoint and ends exactly where an uninterrupted run ends (weights, optimizer, shuffle and
 * dropout masks all continue); changed configs are refused.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { hasStackTrace, kerats, tempDir, trainAndKill, writeIrisConfig } from './helpers/cli.js';
import { completeDir } from '../src/saving/checkpoint/atomic-dir.js';

function config(dir: string, epochs: number): string {
  return writeIrisConfig(path.join(dir, 'tiny.yaml'), {
    name: 'tiny',
    seed: 11,
    units: 8,
    // Dropout: a resumed run must also continue the dropout masks where the killed run was.
    dropout: 0.2,
    learningRate: 0.01,
    epochs,
    batchSize: 8,
    callbacks: ['- EarlyStopping: {monitor: val_loss, patience: 50}'],
  });
}

function partials(runs: string): string[] {
  const dir = path.join(runs, 'tiny');
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.includes('.partial-')).map((n) => path.join(dir, n)) : [];
}
function finished(runs: string): string[] {
  const dir = path.join(runs, 'tiny');
  return existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.') && n !== 'latest').map((n) => path.join(dir, n)) : [];
}

describe('kerats train --resume', () => {
  const dir = tempDir();
  const file = config(dir, 10);
  let reference: { weights: Buffer; history: Record<string, number[]> };

  before(async () => {
    const r = await kerats(['train', file, '--out', path.join(dir, 'uninterrupted'), '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    reference = {
      weights: readFileSync(path.join(dir, 'uninterrupted', 'weights.bin')),
      history: JSON.parse(readFileSync(path.join(dir, 'uninterrupted', 'history.json'), 'utf8')) as Record<string, number[]>,
    };
  });

  it('a run killed with SIGKILL in epoch 5 of 10 resumes to the uninterrupted run\'s weights and 10 epochs of history', async () => {
    const runs = path.join(dir, 'runs-kill');
    const killed = await trainAndKill([file, '--runs', runs], dir, 4, 'SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    assert.deepEqual(finished(runs), [], 'a killed run must not look finished');
    const [partial] = partials(runs);
    assert.ok(partial, 'the partial run folder survives the kill');
    const saved = await completeDir(path.join(partial, 'checkpoints', 'last'), 'state.json');
    assert.ok(saved, 'the killed run left a complete checkpoint');
    const state = JSON.parse(readFileSync(path.join(saved, 'state.json'), 'utf8')) as { epoch: number; history: { loss: number[] } };
    assert.equal(state.epoch, 4);
    assert.equal(state.history.loss.length, 4);

    const r = await kerats(['train', file, '--runs', runs, '--resume', partial, '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { run_dir: string; epochs_completed: number; history: Record<string, number[]> };
    assert.equal(result.epochs_completed, 10);
    const history = JSON.parse(readFileSync(path.join(result.run_dir, 'history.json'), 'utf8')) as Record<string, number[]>;
    assert.equal(history.loss?.length, 10);
    assert.deepEqual(history, reference.history);
    assert.ok(readFileSync(path.join(result.run_dir, 'weights.bin')).equals(reference.weights), 'weights equal the uninterrupted run\'s');
    // The finished folder holds no resume leftovers, and the partial is gone.
    assert.equal(existsSync(path.join(result.run_dir, 'RUNNING.json')), false);
    assert.equal(existsSync(path.join(result.run_dir, 'checkpoints')), false);
    assert.deepEqual(partials(runs), []);
  });

  it('SIGTERM stops after the batch and exits 143; a changed config is refused with the difference; --resume auto continues', async () => {
    const runs = path.join(dir, 'runs-term');
    const stopped = await trainAndKill([file, '--runs', runs], dir, 2, 'SIGTERM');
    assert.equal(stopped.code, 143, stopped.stderr);
    assert.match(stopped.stderr, /resume with: kerats train .*--resume .*\.partial-/);
    assert.ok(!hasStackTrace(stopped.stderr));
    const [partial] = partials(runs);
    assert.ok(partial);

    const changedDir = tempDir();
    const changed = config(changedDir, 10);
    writeFileSync(changed, readFileSync(changed, 'utf8').replace('learning_rate: 0.01', 'learning_rate: 0.02'));
    const refused = await kerats(['train', changed, '--runs', runs, '--resume', partial], { cwd: dir });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /config changed/);
    assert.match(refused.stderr, /compile\.optimizer\.Adam\.learning_rate: 0\.01 → 0\.02/);
    assert.match(refused.stderr, /--force/);
    assert.ok(!hasStackTrace(refused.stderr));

    const r = await kerats(['train', file, '--runs', runs, '--resume', 'auto', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { run_dir: string; history: Record<string, number[]> };
    assert.deepEqual(result.history, reference.history);
    assert.deepEqual(partials(runs), []);

    // Nothing left to resume: --resume auto starts a new run (safe to repeat in CI).
    const again = await kerats(['train', file, '--runs', runs, '--resume', 'auto', '-q'], { cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(finished(runs).length, 2);
  });

  it('--resume of a folder that is not an interrupted run is a usage error', async () => {
    const r = await kerats(['train', file, '--resume', path.join(dir, 'uninterrupted')], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /completed; there is nothing to resume/);
    assert.ok(!hasStackTrace(r.stderr));
  });
});
