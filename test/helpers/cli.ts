/** Runs the real `kerats` binary in a child process, as a user or a CI job would. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests are compiled to dist/test/). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = path.join(ROOT, 'bin', 'kerats.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function kerats(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...opts.env };
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function tempDir(prefix = 'kerats-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** True when a JavaScript stack trace leaked into the output. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+\(.+:\d+:\d+\)$/m.test(text) || /^\s+at (async )?[\w.<>]+ \(?node:/m.test(text);
}

/** Starts `kerats train` and sends `signal` once the given epoch has ended and the next is under way. */
export function trainAndKill(args: string[], cwd: string, afterEpoch: number, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'train', ...args, '--events'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      for (const line of stdout.split('\n')) {
        if (sent || !line.startsWith('{')) continue;
        const e = JSON.parse(line) as { event: string; epoch?: number };
        if (e.event === 'epoch_end' && e.epoch === afterEpoch) {
          sent = true;
          // A moment into the next epoch: its first batches run, none of it is checkpointed.
          setTimeout(() => child.kill(signal), 30);
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, sig) => resolve({ code, signal: sig, stderr }));
  });
}

/**
 * Starts `kerats train` and sends `signal` as soon as `ready()` holds (polled every 20 ms), e.g.
 * once a checkpoint of the wanted position is on disk: deterministic where a delay after an event
 * is not (a loaded machine may not have written anything yet).
 */
export function trainAndKillWhen(args: string[], cwd: string, ready: () => Promise<boolean>, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'train', ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let done = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = async (): Promise<void> => {
      if (done) return;
      if (await ready()) child.kill(signal);
      else setTimeout(() => void poll(), 20);
    };
    void poll();
    child.on('error', reject);
    child.on('close', (code, sig) => {
      done = true;
      resolve({ code, signal: sig, stderr });
    });
  });
}

/** The small Iris classifier several CLI tests train: a Dense hidden layer on the shipped data/iris.csv. */
export interface IrisConfigOptions {
  name: string;
  /** Omitted: a seedless config (the run draws and records one). */
  seed?: number;
  units: number;
  /** A Dropout layer of this rate after the hidden layer (its masks are part of the run's random state). */
  dropout?: number;
  /** Adam's learning rate; omitted: plain `adam` with Keras's default. */
  learningRate?: number;
  epochs: number;
  batchSize: number;
  /** Lines of `fit.callbacks` entries, e.g. `- EarlyStopping: {patience: 5}`. */
  callbacks?: string[];
  /** Text appended after the config, from line 18 on without callbacks (e.g. a `tune:` section). */
  extra?: string;
}

/** Writes `file` with that config and returns its path. */
export function writeIrisConfig(file: string, o: IrisConfigOptions): string {
  const lines = [
    `name: ${o.name}`,
    ...(o.seed === undefined ? [] : [`seed: ${o.seed}`]),
    'data:',
    `  train: {csv: ${path.join(ROOT, 'data', 'iris.csv')}, label: species}`,
    '  validation_split: 0.2',
    'model:',
    '  input_shape: [4]',
    '  layers:',
    `    - Dense: {units: ${o.units}, activation: relu}`,
    ...(o.dropout === undefined ? [] : [`    - Dropout: ${o.dropout}`]),
    '    - Dense: {units: 3, activation: softmax}',
    'compile:',
    `  optimizer: ${o.learningRate === undefined ? 'adam' : `{Adam: {learning_rate: ${o.learningRate}}}`}`,
    '  loss: sparse_categorical_crossentropy',
    '  metrics: [accuracy]',
    'fit:',
    `  epochs: ${o.epochs}`,
    `  batch_size: ${o.batchSize}`,
    ...(o.callbacks && o.callbacks.length > 0 ? ['  callbacks:', ...o.callbacks.map((c) => `    ${c}`)] : []),
    ...(o.extra ? [o.extra.replace(/\n$/, '')] : []),
  ];
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
