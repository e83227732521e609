/** What a run report shows of one run folder: its files, read once (missing optional ones are absent). */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DataError } from '../../util/errors.js';
import type { Confusion } from './confusion.js';

export interface RunMetrics {
  final?: Record<string, number>;
  validation?: Record<string, number>;
  test?: Record<string, number>;
  epochs_completed?: number;
  best_epoch?: number;
}

export interface RunData {
  /** The folder as given, and its name for headings. */
  dir: string;
  label: string;
  config: Record<string, unknown>;
  history: Record<string, number[]>;
  metrics: RunMetrics;
  manifest: Record<string, unknown>;
  summary: string;
  confusion?: Confusion;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DataError(`cannot read "${file}": ${(err as Error).message}`);
  }
}

/** Reads a finished run folder (`label` defaults to the folder's name). */
export async function readRun(dir: string, label?: string): Promise<RunData> {
  const history = await readJson<Record<string, number[]>>(path.join(dir, 'history.json'));
  if (!history) throw new DataError(`"${dir}" is not a finished run folder: it has no history.json (give a folder \`kerats train\` printed)`);
  return {
    dir,
    // `iris/20261122-233557-123`: the config's folder and the run's.
    label: label ?? path.relative(path.dirname(path.dirname(path.resolve(dir))), path.resolve(dir)).split(path.sep).join('/'),
    config: (await readJson<Record<string, unknown>>(path.join(dir, 'config.json'))) ?? {},
    history,
    metrics: (await readJson<RunMetrics>(path.join(dir, 'metrics.json'))) ?? {},
    manifest: (await readJson<Record<string, unknown>>(path.join(dir, 'manifest.json'))) ?? {},
    summary: await fs.readFile(path.join(dir, 'summary.txt'), 'utf8').catch(() => ''),
    confusion: await readJson<Confusion>(path.join(dir, 'confusion.json')),
  };
}

/** Whether a larger value of a logged quantity is better (accuracy) or worse (loss, errors). */
export function higherIsBetter(key: string): boolean {
  const k = key.replace(/^val_/, '');
  return !/(loss|error|^mse$|^mae$|^mape$|^msle$|^rmse$|crossentropy|divergence|^kld$|poisson|cosh|hinge)/.test(k);
}

/** The best value of each logged quantity and its 1-based epoch. */
export function bestOf(history: Record<string, number[]>): Record<string, { value: number; epoch: number }> {
  const out: Record<string, { value: number; epoch: number }> = {};
  for (const [k, values] of Object.entries(history)) {
    if (/^(lr|learning_rate)$/.test(k)) continue;
    const up = higherIsBetter(k);
    values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const cur = out[k];
      if (!cur || (up ? v > cur.value : v < cur.value)) out[k] = { value: v, epoch: i + 1 };
    });
  }
  return out;
}

/** The metrics a run is judged by: its held-out evaluation (test, else validation), else its last epoch. */
export function headlineMetrics(run: RunData): Record<string, number> {
  return run.metrics.test ?? run.metrics.validation ?? run.metrics.final ?? {};
}

/** Seconds from the manifest's start to finish, when both are there. */
export function durationSeconds(run: RunData): number | undefined {
  const a = Date.parse(String(run.manifest.started_at ?? ''));
  const b = Date.parse(String(run.manifest.finished_at ?? ''));
  return Number.isFinite(a) && Number.isFinite(b) ? (b - a) / 1000 : undefined;
}
