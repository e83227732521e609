/**
 * Ctrl-C and SIGTERM during a long epoch: `kerats train` stops after the current batch, saves a
 * mid-epoch checkpoint, emits an `interrupted` event, exits 130/143 within seconds, and the printed
 * resume command (the run folder alone, no config, no --set, no environment) finishes the run with
 * exactly the weights of an uninterrupted one. A second signal exits at once and leaves the last
 * checkpoint loadable.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { readCheckpoint } from '../src/saving/checkpoint/checkpoint.js';
import { BIN, hasStackTrace, kerats, tempDir } from './helpers/cli.js';

// epochs: 1 in the file, 2 by --set; units from the environment: the resume must bring both back.
const CONFIG = `name: signals
seed: 5
data:
  train: {synthetic: {samples: 1000, x_shape: [8], classes: 3, seed: 2}}
  validation_split: 0.1
model:
  input_shape: [8]
  layers:
    - Dense: {units: "\${SIGNAL_UNITS}", activation: relu}
    - Dropout: 0.2
    - Dense: {units: 3, activation: softmax}
compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}
fit: {epochs: 1, batch_size: 4}
`;
const ENV = { SIGNAL_UNITS: '12' };
const ARGS = ['--set', 'fit.epochs=2'];

interface TrainEvent {
  event: string;
  [k: string]: unknown;
}

interface Stopped {
  code: number | null;
  /** Milliseconds from the first signal to the process's exit. */
  exitMs: number;
  events: TrainEvent[];
  stderr: string;
}

/** Starts training, and `delayMs` after its first batch sends `signals` (1 ms apart). */
function trainAndSignal(cwd: string, file: string, runs: string, delayMs: number, signals: NodeJS.Signals[]): Promise<Stopped> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'train', file, ...ARGS, '--runs', runs, '--events'], { cwd, env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sentAt = 0;
    child.stdout.on('data', (d: Buffer) => {
      const had = stdout.includes('"train_begin"');
      stdout += d.toString();
      if (had || !stdout.includes('"train_begin"')) return;
      setTimeout(() => {
        sentAt = performance.now();
        signals.forEach((s, i) => setTimeout(() => child.kill(s), i));
      }, delayMs);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const events = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as TrainEvent);
      resolve({ code, exitMs: performance.now() - sentAt, events, stderr });
    });
  });
}

/** Runs the printed resume command as a user pastes it (`kerats` → this checkout's binary), without the environment variable. */
async function runResume(command: string, cwd: string): Promise<{ code: number | null; weights: Buffer; history: unknown; stderr: string }> {
  const words = command.split(' ');
  assert.equal(words[0], 'kerats');
  const r = await kerats([...words.slice(1).filter((w) => w !== '--events'), '--json'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { run_dir: string };
  return {
    code: r.code,
    weights: readFileSync(path.join(result.run_dir, 'weights.bin')),
    history: JSON.parse(readFileSync(path.join(result.run_dir, 'history.json'), 'utf8')),
    stderr: r.stderr,
  };
}

describe('signals during a long epoch', () => {
  const dir = tempDir();
  const file = path.join(dir, 'signals.yaml');
  writeFileSync(file, CONFIG);
  let reference: { weights: Buffer; history: unknown };

  before(async () => {
    const r = await kerats(['train', file, ...ARGS, '--out', path.join(dir, 'uninterrupted'), '-q'], { cwd: dir, env: ENV });
    assert.equal(r.code, 0, r.stderr);
    reference = {
      weights: readFileSync(path.join(dir, 'uninterrupted', 'weights.bin')),
      history: JSON.parse(readFileSync(path.join(dir, 'uninterrupted', 'history.json'), 'utf8')),
    };
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} at a random moment stops after the batch, exits ${code} within 5 s, and the printed command resumes to the uninterrupted weights`, async () => {
      // A random moment within the first epoch or so (the run's epochs take a few seconds here).
      const delay = 50 + Math.floor(Math.random() * 700);
      const runs = path.join(dir, `runs-${signal}`);
      const stopped = await trainAndSignal(dir, file, runs, delay, [signal]);
      const why = `signal ${delay} ms after train_begin; stderr:\n${stopped.stderr}`;
      assert.equal(stopped.code, code, why);
      assert.ok(stopped.exitMs < 5000, `exited ${Math.round(stopped.exitMs)} ms after the signal (${why})`);
      assert.ok(!hasStackTrace(stopped.stderr));
      const last = stopped.events[stopped.events.length - 1];
      assert.equal(last?.event, 'interrupted', why);
      assert.equal(last?.signal, signal);
      assert.equal(last?.exit_code, code);
      const batch = last?.batch as number;
      const epoch = last?.epoch as number;
      // Stopped after the batch, not at the epoch's end (unless the signal came during validation).
      const epochEnds = stopped.events.filter((e) => e.event === 'epoch_end').length;
      assert.equal(epoch, epochEnds, why);
      const checkpoint = await readCheckpoint(String(last?.checkpoint));
      assert.ok(checkpoint, 'a complete checkpoint is on disk');
      assert.equal(checkpoint.state.epoch, epoch);
      assert.equal(checkpoint.state.batch ?? 0, batch);
      const command = String(last?.resume_command);
      assert.ok(stopped.stderr.includes(`resume with: ${command}`), stopped.stderr);
      assert.match(command, /^kerats train --resume \S+\.partial-\S+ --events$/);

      const resumed = await runResume(command, dir);
      assert.match(resumed.stderr, batch > 0 ? new RegExp(`after batch ${batch} of epoch ${epoch + 1}`) : /Resuming/);
      assert.deepEqual(resumed.history, reference.history);
      assert.ok(resumed.weights.equals(reference.weights), 'weights equal the uninterrupted run\'s');
    });
  }

  it('a second signal exits at once and the last checkpoint stays loadable and resumable', async () => {
    const runs = path.join(dir, 'runs-twice');
    const stopped = await trainAndSignal(dir, file, runs, 100 + Math.floor(Math.random() * 500), ['SIGINT', 'SIGINT']);
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.ok(!hasStackTrace(stopped.stderr));
    const partial = readdirSync(path.join(runs, 'signals')).find((n) => n.includes('.partial-'));
    assert.ok(partial, 'the partial run folder is kept');
    const folder = path.join(runs, 'signals', partial);
    assert.ok(await readCheckpoint(path.join(folder, 'checkpoints', 'last')), 'a complete checkpoint survives the second signal');
    const resumed = await runResume(`kerats train --resume ${folder}`, dir);
    assert.deepEqual(resumed.history, reference.history);
    assert.ok(resumed.weights.equals(reference.weights));
  });
});
