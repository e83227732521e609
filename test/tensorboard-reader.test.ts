/**
 * TensorBoard's own reader (the Python `tensorboard` package's EventAccumulator) reads the event
 * files kerats writes: the same epoch scalars as history.csv, every step once, also for a run
 * killed mid-epoch and resumed (the resumed run cuts what the killed one wrote after its last
 * checkpoint and continues the same files).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { referencePython, runPython } from '../src/util/python-ref.js';
import { kerats, ROOT, tempDir, trainAndKill, writeIrisConfig } from './helpers/cli.js';

type Scalars = Record<string, [number, number][]>;

const EPOCHS = 6;
/** 120 training rows (validation_split 0.2 of 150) in batches of 8. */
const STEPS_PER_EPOCH = 15;

function config(dir: string): string {
  return writeIrisConfig(path.join(dir, 'tb.yaml'), {
    name: 'tb',
    seed: 3,
    units: 6,
    epochs: EPOCHS,
    batchSize: 8,
    callbacks: ['- TensorBoard: {log_dir: logs, update_freq: batch}', '- CSVLogger: history.csv'],
  });
}

function readScalars(python: string, logDir: string): { train: Scalars; validation: Scalars } {
  const r = runPython(python, [path.join(ROOT, 'test', 'python', 'tensorboard_read.py'), logDir]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { train: Scalars; validation: Scalars };
}

/** history.csv's columns: epoch, then the logged quantities. */
function historyCsv(file: string): Record<string, number[]> {
  const [head = '', ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  const out: Record<string, number[]> = {};
  for (const row of rows) row.split(',').forEach((v, i) => (out[cols[i] ?? ''] ??= []).push(Number(v)));
  return out;
}

/** Every logged quantity of history.csv is in TensorBoard at steps 0..epochs-1, once each, with the same value. */
function assertMatchesHistory(tb: { train: Scalars; validation: Scalars }, history: Record<string, number[]>): void {
  assert.deepEqual(history.epoch, Array.from({ length: EPOCHS }, (_, i) => i));
  for (const [key, values] of Object.entries(history)) {
    if (key === 'epoch') continue;
    const split = key.startsWith('val_') ? tb.validation : tb.train;
    const tag = `epoch_${key.replace(/^val_/, '')}`;
    const events = split[tag];
    assert.ok(events, `TensorBoard has no ${tag} in ${key.startsWith('val_') ? 'validation' : 'train'} (has ${Object.keys(split).join(', ')})`);
    assert.deepEqual(events.map(([s]) => s), values.map((_, i) => i), `${tag}: one event per epoch`);
    events.forEach(([, v], i) => {
      const want = values[i] ?? NaN;
      // TensorBoard keeps float32 (simple_value); history.csv has the float64 printout.
      assert.ok(Math.abs(v - want) <= 1e-6 * Math.max(1, Math.abs(want)), `${tag} at epoch ${i}: ${v} vs ${want}`);
    });
  }
  const batches = tb.train.batch_loss ?? [];
  assert.deepEqual(batches.map(([s]) => s), Array.from({ length: EPOCHS * STEPS_PER_EPOCH }, (_, i) => i + 1), 'batch_loss: every optimizer step once');
}

describe('TensorBoard event files read by TensorBoard itself', () => {
  const py = referencePython(['tensorboard']);

  it('an uninterrupted run: every scalar of history.csv, once per epoch', { skip: py.skip }, async () => {
    const dir = tempDir();
    const run = path.join(dir, 'run');
    const r = await kerats(['train', config(dir), '--out', run, '-q', '--backend', 'cpu'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const tb = readScalars(py.python as string, path.join(run, 'logs'));
    assertMatchesHistory(tb, historyCsv(path.join(run, 'history.csv')));
  });

  it('a run killed mid-epoch (SIGKILL) and resumed: still every step once, in the same event files', { skip: py.skip }, async () => {
    const dir = tempDir();
    const runs = path.join(dir, 'runs');
    const file = config(dir);
    const killed = await trainAndKill([file, '--runs', runs, '--backend', 'cpu'], dir, 3, 'SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    const partial = readdirSync(path.join(runs, 'tb')).find((n) => n.includes('.partial-'));
    assert.ok(partial, 'the killed run left its partial folder');
    const trainDir = path.join(runs, 'tb', partial, 'logs', 'train');
    const before = readdirSync(trainDir);
    const r = await kerats(['train', file, '--runs', runs, '--resume', path.join(runs, 'tb', partial), '-q', '--backend', 'cpu'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const done = readdirSync(path.join(runs, 'tb')).find((n) => !n.startsWith('.'));
    assert.ok(done, 'the resumed run finished');
    const logs = path.join(runs, 'tb', done, 'logs');
    const tb = readScalars(py.python as string, logs);
    assertMatchesHistory(tb, historyCsv(path.join(runs, 'tb', done, 'history.csv')));
    // The resumed run continued the killed run's file rather than adding a second one.
    assert.deepEqual(readdirSync(path.join(logs, 'train')), before);
  });
});
