/**
 * Running trials: each (trial, fold) unit is a separate `kerats train` process, N at a time, so a
 * search uses every core (TensorFlow.js on wasm trains on one thread per process) and a crashing
 * trial cannot take the search down. A unit is complete when its result file exists; that file is
 * written only after its run folder is in place, so `--resume` and `--trial` simply skip it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../../util/atomic.js';
import { packageRoot } from '../../util/package-root.js';
import type { TrainRunResult } from '../train-run.js';
import type { Plan, PlannedTrial } from './plan.js';

/** Training processes running now, so an interrupted search can stop them (`stopAll`). */
const running = new Set<ChildProcess>();

/** Stops every running training process (on Ctrl-C or SIGTERM: their trials are re-run by --resume). */
export function stopAll(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const c of running) c.kill(signal);
}

export interface Unit {
  trial: number;
  fold: number;
  /** Config and outputs, relative to the search folder. */
  config: string;
  runDir: string;
  resultFile: string;
}

export interface UnitResult {
  trial: number;
  fold: number;
  seconds: number;
  run_dir: string;
  result: TrainRunResult;
}

export function unitsOf(trial: PlannedTrial): Unit[] {
  return trial.configs.map((config, fold) => {
    const base = config.replace(/\.yaml$/, '');
    const stem = trial.configs.length > 1 ? base : path.join(path.dirname(config), 'run');
    return { trial: trial.index, fold, config, runDir: stem, resultFile: `${stem}.result.json` };
  });
}

export async function readUnitResult(dir: string, u: Unit): Promise<UnitResult | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, u.resultFile), 'utf8')) as UnitResult;
  } catch {
    return undefined;
  }
}

/** Trains one unit in a child `kerats train` process; resolves to its result, or an error message. */
export async function runUnit(dir: string, u: Unit, opts: { backend?: string } = {}): Promise<UnitResult | { error: string }> {
  const runDir = path.join(dir, u.runDir);
  // A run folder without a result file is from a process killed mid-write: start that unit over.
  await fs.rm(runDir, { recursive: true, force: true });
  const bin = path.join(packageRoot(), 'bin', 'kerats.js');
  const args = [bin, 'train', path.join(dir, u.config), '--json', '--quiet', '--out', runDir];
  if (opts.backend) args.push('--backend', opts.backend);
  const t0 = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => {
      running.delete(child);
      resolve({ code: c, stdout: out, stderr: err });
    });
  });
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) return { error: `trial ${u.trial} fold ${u.fold}: kerats train exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` };
  let result: TrainRunResult;
  try {
    result = JSON.parse(stdout) as TrainRunResult;
  } catch {
    return { error: `trial ${u.trial} fold ${u.fold}: kerats train printed no JSON result` };
  }
  const value: UnitResult = { trial: u.trial, fold: u.fold, seconds: Number(seconds.toFixed(3)), run_dir: u.runDir, result };
  await writeJsonAtomic(path.join(dir, u.resultFile), value);
  return value;
}

export interface RunEvents {
  /** A trial's last unit finished (`done` of `total` trials complete so far). */
  onTrial?(trial: PlannedTrial, results: UnitResult[], done: number, total: number): void;
  onError?(message: string): void;
}

/** Runs the missing units of `trials` with `workers` processes at a time; returns the error messages and the seconds trained now. */
export async function runTrials(dir: string, plan: Plan, trials: PlannedTrial[], workers: number, events: RunEvents = {}, opts: { backend?: string } = {}): Promise<{ errors: string[]; seconds: number }> {
  const queue: Unit[] = [];
  const pending = new Map<number, number>();
  const results = new Map<number, UnitResult[]>();
  let done = 0;
  for (const t of plan.trials) {
    let complete = true;
    for (const u of unitsOf(t)) {
      const r = await readUnitResult(dir, u);
      if (r) results.set(t.index, [...(results.get(t.index) ?? []), r]);
      else {
        complete = false;
        if (trials.includes(t)) {
          queue.push(u);
          pending.set(t.index, (pending.get(t.index) ?? 0) + 1);
        }
      }
    }
    if (complete) done++;
  }
  const errors: string[] = [];
  let seconds = 0;
  const worker = async () => {
    for (let u = queue.shift(); u; u = queue.shift()) {
      const r = await runUnit(dir, u, opts);
      if (!('error' in r)) seconds += r.seconds;
      const left = (pending.get(u.trial) ?? 1) - 1;
      pending.set(u.trial, left);
      if ('error' in r) {
        errors.push(r.error);
        events.onError?.(r.error);
        continue;
      }
      const list = [...(results.get(u.trial) ?? []), r];
      results.set(u.trial, list);
      const t = plan.trials[u.trial];
      if (left === 0 && t && list.length === t.configs.length) events.onTrial?.(t, list, ++done, plan.trials.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, queue.length)) }, worker));
  return { errors, seconds };
}
