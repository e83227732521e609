/**
 * Keras's fit.initial_epoch, CSVLogger across --resume and its `append`, and BackupAndRestore with
 * an integer save_freq (a backup every N batches, resumed within the epoch): all through the real
 * CLI, as a CI job would run them.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { hasStackTrace, kerats, tempDir, trainAndKill, trainAndKillWhen, writeIrisConfig } from './helpers/cli.js';
import { completeDir } from '../src/saving/checkpoint/atomic-dir.js';

/** The Iris config with extra `fit` keys after batch_size. */
function iris(file: string, o: { epochs: number; callbacks?: string[]; fit?: string[]; seed?: number }): string {
  writeIrisConfig(file, { name: 'tiny', seed: o.seed ?? 7, units: 8, learningRate: 0.01, epochs: o.epochs, batchSize: 8, callbacks: o.callbacks });
  const text = readFileSync(file, 'utf8').replace('  batch_size: 8\n', ['  batch_size: 8', ...(o.fit ?? [])].join('\n') + '\n');
  writeFileSync(file, text);
  return file;
}

function partial(runs: string): string {
  const dir = path.join(runs, 'tiny');
  const found = readdirSync(dir).filter((n) => n.includes('.partial-'));
  assert.equal(found.length, 1, `one partial run in ${dir}: ${found.join(', ')}`);
  return path.join(dir, found[0] ?? '');
}

interface JsonResult {
  run_dir: string;
  epochs_completed: number;
  history: Record<string, number[]>;
}

describe('fit.initial_epoch', () => {
  it('training starts at epoch initial_epoch and runs until epochs; CSVLogger and progress show the real epoch numbers', async () => {
    const dir = tempDir();
    const file = iris(path.join(dir, 'start.yaml'), { epochs: 5, fit: ['  initial_epoch: 3'], callbacks: ['- CSVLogger: {filename: log.csv}'] });
    const r = await kerats(['train', file, '--runs', path.join(dir, 'runs'), '--json', '--events'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1] ?? '{}') as JsonResult;
    assert.equal(result.history.loss?.length, 2, 'epochs 3 and 4 (0-based) are trained: 5 - 3 epochs');
    const ends = lines.filter((l) => l.includes('"epoch_end"')).map((l) => JSON.parse(l) as { epoch: number; epochs: number });
    assert.deepEqual(ends.map((e) => [e.epoch, e.epochs]), [[4, 5], [5, 5]]);
    const csv = readFileSync(path.join(result.run_dir, 'log.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 3);
    assert.deepEqual(csv.slice(1).map((row) => row.split(',')[0]), ['3', '4']);
  });

  it('initial_epoch >= epochs is a config error at its line, with no stack trace', async () => {
    const dir = tempDir();
    const file = iris(path.join(dir, 'late.yaml'), { epochs: 4, fit: ['  initial_epoch: 4'] });
    const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('initial_epoch')) + 1;
    const r = await kerats(['train', file, '--runs', path.join(dir, 'runs')], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`late\\.yaml:${line}:\\d+`));
    assert.match(r.stderr, /fit\.initial_epoch is 4 but fit\.epochs is 4/);
    assert.match(r.stderr, /set initial_epoch below 4 or raise epochs/);
    assert.ok(!hasStackTrace(r.stderr));
    assert.equal(existsSync(path.join(dir, 'runs')), false, 'nothing was started');
  });
});

describe('CSVLogger', () => {
  it('a run killed and resumed with --resume keeps the rows already written: the same file as an uninterrupted run', async () => {
    const dir = tempDir();
    const file = iris(path.join(dir, 'csv.yaml'), { epochs: 5, callbacks: ['- CSVLogger: {filename: log.csv}'] });
    const full = await kerats(['train', file, '--out', path.join(dir, 'uninterrupted'), '-q'], { cwd: dir });
    assert.equal(full.code, 0, full.stderr);
    const reference = readFileSync(path.join(dir, 'uninterrupted', 'log.csv'), 'utf8');
    assert.equal(reference.trim().split('\n').length, 6);

    const runs = path.join(dir, 'runs');
    const killed = await trainAndKill([file, '--runs', runs], dir, 2, 'SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    const run = partial(runs);
    const before = readFileSync(path.join(run, 'log.csv'), 'utf8').trim().split('\n');
    assert.ok(before.length >= 3, `rows of the epochs before the kill: ${before.length - 1}`);

    const r = await kerats(['train', file, '--runs', runs, '--resume', run, '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as JsonResult;
    const csv = readFileSync(path.join(result.run_dir, 'log.csv'), 'utf8');
    assert.equal(csv.split('\n').filter((l) => l.startsWith('epoch,')).length, 1, 'one header');
    assert.equal(csv, reference);
  });

  it('append: false overwrites the file of an earlier run, append: true adds to it under the same header', async () => {
    const dir = tempDir();
    const log = path.join(dir, 'shared.csv');
    const over = iris(path.join(dir, 'over.yaml'), { epochs: 2, callbacks: [`- CSVLogger: {filename: ${log}}`] });
    for (let i = 0; i < 2; i++) {
      const r = await kerats(['train', over, '--runs', path.join(dir, 'runs'), '-q'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
    }
    const once = readFileSync(log, 'utf8').trim().split('\n');
    assert.deepEqual(once.map((l) => l.split(',')[0]), ['epoch', '0', '1']);

    const add = iris(path.join(dir, 'add.yaml'), { epochs: 2, callbacks: [`- CSVLogger: {filename: ${log}, append: true}`] });
    const r = await kerats(['train', add, '--runs', path.join(dir, 'runs'), '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const twice = readFileSync(log, 'utf8').trim().split('\n');
    assert.deepEqual(twice.map((l) => l.split(',')[0]), ['epoch', '0', '1', '0', '1']);
    assert.deepEqual(twice.slice(0, 3), once, 'the earlier rows are kept as they were');
  });
});

describe('BackupAndRestore save_freq: N batches', () => {
  it('killed mid-epoch, a plain restart continues from the last batch backup and ends with the uninterrupted run\'s weights and history', async () => {
    const dir = tempDir();
    const backup = path.join(dir, 'backup');
    // 120 training rows in batches of 8: 15 batches an epoch, so every 4th batch is never an epoch's last.
    const file = iris(path.join(dir, 'job.yaml'), { epochs: 3, callbacks: [`- BackupAndRestore: {backup_dir: ${backup}, save_freq: 4}`] });
    const full = await kerats(['train', file, '--out', path.join(dir, 'uninterrupted'), '--json'], { cwd: dir });
    assert.equal(full.code, 0, full.stderr);
    const reference = JSON.parse(full.stdout) as JsonResult;
    assert.equal(existsSync(backup) && readdirSync(backup).length > 0, false, 'the backup is deleted when training ends');

    const runs = path.join(dir, 'runs');
    // Killed once a mid-epoch backup of the second epoch is on disk (its first save is at batch 1).
    const midSecondEpoch = async () => {
      try {
        const at = await completeDir(backup, 'state.json');
        const s = at ? (JSON.parse(readFileSync(path.join(at, 'state.json'), 'utf8')) as { epoch: number; batch?: number }) : undefined;
        return s !== undefined && s.epoch >= 1 && (s.batch ?? 0) > 0;
      } catch {
        return false; // replaced while being read: look again
      }
    };
    const killed = await trainAndKillWhen([file, '--runs', runs], dir, midSecondEpoch, 'SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    // Where the product finds it: a kill between replaceDir's two renames leaves only the `.old` copy.
    const saved = await completeDir(backup, 'state.json');
    assert.ok(saved, 'the killed run left a complete backup');
    const state = JSON.parse(readFileSync(path.join(saved, 'state.json'), 'utf8')) as { epoch: number; batch?: number; history: { loss: number[] } };
    assert.ok((state.batch ?? 0) > 0 && (state.batch ?? 0) < 15, `a mid-epoch backup (epoch ${state.epoch}, batch ${state.batch})`);
    assert.equal(state.history.loss.length, state.epoch);

    const again = await kerats(['train', file, '--runs', runs, '--json'], { cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    const out = JSON.parse(again.stdout) as JsonResult;
    assert.deepEqual(out.history, reference.history);
    assert.ok(readFileSync(path.join(out.run_dir, 'weights.bin')).equals(readFileSync(path.join(reference.run_dir, 'weights.bin'))), 'weights equal the uninterrupted run\'s');
    const manifest = JSON.parse(readFileSync(path.join(out.run_dir, 'manifest.json'), 'utf8')) as { resumed_from_epoch: number; resumed_from_batch?: number };
    assert.equal(manifest.resumed_from_epoch, state.epoch);
    assert.equal(manifest.resumed_from_batch, state.batch);
  });

  it('a save_freq that is neither "epoch" nor a whole number of batches is a config error', async () => {
    const dir = tempDir();
    const file = iris(path.join(dir, 'bad.yaml'), { epochs: 2, callbacks: [`- BackupAndRestore: {backup_dir: ${path.join(dir, 'b')}, save_freq: 0}`] });
    const r = await kerats(['train', file, '--runs', path.join(dir, 'runs')], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:\d+:\d+/);
    assert.match(r.stderr, /save_freq/);
    assert.ok(!hasStackTrace(r.stderr));
  });
});
