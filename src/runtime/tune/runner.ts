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

/**
 * The metric's value in one run: for `val_*`, the saved model evaluated on the validation data (what
 * `restore_best_weights` leaves), else the last epoch's logged value.
 */
export function metricValue(r: UnitResult, metric: string): number | undefined {
  const v = metric.startsWith('val_') ? r.result.validation?.[metric.slice(4)] : undefined;
  return v ?? r.result.final[metric];
}

/**
 * At most `n` training processes at once, shared by everything that runs units (hyperband runs
 * several brackets' rounds at the same time). A finishing unit hands its slot to the next waiter
 * directly, so a newcomer cannot overtake the queue and exceed `n`.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(readonly n: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export interface RunEvents {
  /** A trial's last unit finished (`done` of `total` trials complete so far). */
  onTrial?(trial: PlannedTrial, results: UnitResult[], done: number, total: number): void;
  onError?(message: string): void;
}

/** How many of the plan's trials have every unit's result. */
export async function countComplete(dir: string, plan: Plan): Promise<number> {
  let done = 0;
  for (const t of plan.trials) {
    const got = await Promise.all(unitsOf(t).map((u) => readUnitResult(dir, u)));
    if (got.every((r) => r !== undefined)) done++;
  }
  return done;
}

/**
 * Runs the missing units of `trials` (`workers` processes at a time, or a shared Limiter); returns
 * the error messages and the seconds trained now. `progress` counts complete trials across calls.
 */
export async function runTrials(
  dir: string,
  plan: Plan,
  trials: PlannedTrial[],
  workers: number | Limiter,
  events: RunEvents = {},
  opts: { backend?: string } = {},
  progress?: { done: number },
): Promise<{ errors: string[]; seconds: number }> {
  const limiter = typeof workers === 'number' ? new Limiter(Math.max(1, workers)) : workers;
  const count = progress ?? { done: await countComplete(dir, plan) };
  const queue: Unit[] = [];
  const pending = new Map<number, number>();
  const results = new Map<number, UnitResult[]>();
  // The trials as given: a promoted hyperband trial carries the parameters its plan entry lacks.
  const given = new Map(trials.map((t) => [t.index, t]));
  for (const t of trials) {
    for (const u of unitsOf(t)) {
      const r = await readUnitResult(dir, u);
      if (r) results.set(t.index, [...(results.get(t.index) ?? []), r]);
      else {
        queue.push(u);
        pending.set(t.index, (pending.get(t.index) ?? 0) + 1);
      }
    }
  }
  const errors: string[] = [];
  let seconds = 0;
  await Promise.all(
    queue.map((u) =>
      limiter.run(async () => {
        const r = await runUnit(dir, u, opts);
        const left = (pending.get(u.trial) ?? 1) - 1;
        pending.set(u.trial, left);
        if ('error' in r) {
          errors.push(r.error);
          events.onError?.(r.error);
          return;
        }
        seconds += r.seconds;
        const list = [...(results.get(u.trial) ?? []), r];
        results.set(u.trial, list);
        const t = given.get(u.trial);
        if (left === 0 && t && list.length === t.configs.length) events.onTrial?.(t, list, ++count.done, plan.trials.length);
      }),
    ),
  );
  return { errors, seconds };
}
