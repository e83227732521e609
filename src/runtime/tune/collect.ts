/**
 * Merging a search folder's unit results into the ranking: `trials.json`, `trials.csv` (one row per
 * trial: parameters, fold scores, mean, std, seconds), `best.yaml`, the winning trial's config
 * on the full training data, ready for `kerats train`, and `scores.svg`, the scores per parameter.
 * The same code serves a local run and `--collect` after trials ran elsewhere, so both give the
 * same table.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic.js';
import { KeratsError } from '../../util/errors.js';
import type { Plan } from './plan.js';
import { readPromotion, trialParams } from './promote.js';
import { metricValue, readUnitResult, unitsOf, type UnitResult } from './runner.js';

export { metricValue } from './runner.js';

export interface TrialRow {
  trial: number;
  rank?: number;
  params: Record<string, unknown>;
  status: 'complete' | 'missing' | 'no_metric';
  scores: number[];
  mean?: number;
  std?: number;
  /** Sum of the trial's training processes' wall times. */
  seconds: number;
  run_dirs: string[];
  /** Hyperband: where the trial sits, its epochs, and (rounds > 0) the trial it continues. */
  bracket?: number;
  round?: number;
  epochs?: number;
  parent?: number;
}

export interface Summary {
  metric: string;
  mode: 'min' | 'max';
  cv?: number;
  strategy?: Plan['strategy'];
  trials: TrialRow[];
  best?: TrialRow;
  complete: number;
  total: number;
  /** Sum of every trial's seconds: the time one process would have needed. */
  trial_seconds: number;
}

export async function summarize(dir: string, plan: Plan): Promise<Summary> {
  const rows: TrialRow[] = [];
  for (const t of plan.trials) {
    const results: UnitResult[] = [];
    for (const u of unitsOf(t)) {
      const r = await readUnitResult(dir, u);
      if (r) results.push(r);
    }
    const scores = results.map((r) => metricValue(r, plan.metric));
    const row: TrialRow = {
      trial: t.index,
      // A hyperband trial of a later round has parameters once its previous round decided them.
      params: (await trialParams(dir, t)) ?? {},
      status: results.length < t.configs.length ? 'missing' : scores.some((s) => s === undefined) ? 'no_metric' : 'complete',
      scores: scores.filter((s): s is number => s !== undefined),
      seconds: Number(results.reduce((a, r) => a + r.seconds, 0).toFixed(3)),
      run_dirs: results.map((r) => r.run_dir),
    };
    if (t.hyperband) {
      row.bracket = t.hyperband.bracket;
      row.round = t.hyperband.round;
      row.epochs = t.hyperband.epochs;
      const parent = t.hyperband.round > 0 ? (await readPromotion(dir, t))?.parent : undefined;
      if (parent !== undefined) row.parent = parent;
    }
    if (row.status === 'complete') {
      const mean = row.scores.reduce((a, b) => a + b, 0) / row.scores.length;
      row.mean = mean;
      row.std = Math.sqrt(row.scores.reduce((a, b) => a + (b - mean) ** 2, 0) / row.scores.length);
    }
    rows.push(row);
  }
  const sign = plan.mode === 'max' ? -1 : 1;
  // Complete trials by score (ties: the earlier trial), then the rest in plan order.
  const ranked = [...rows].sort((a, b) => (a.mean === undefined ? 1 : 0) - (b.mean === undefined ? 1 : 0) || sign * ((a.mean ?? 0) - (b.mean ?? 0)) || a.trial - b.trial);
  ranked.forEach((r, i) => {
    if (r.mean !== undefined) r.rank = i + 1;
  });
  const best = ranked[0]?.mean !== undefined ? ranked[0] : undefined;
  return {
    metric: plan.metric,
    mode: plan.mode,
    ...(plan.cv !== undefined ? { cv: plan.cv } : {}),
    strategy: plan.strategy,
    trials: ranked,
    ...(best ? { best } : {}),
    complete: rows.filter((r) => r.status === 'complete').length,
    total: rows.length,
    trial_seconds: Number(rows.reduce((a, r) => a + r.seconds, 0).toFixed(3)),
  };
}

/** Hyperband columns of the CSV and the table. */
const HB_KEYS = ['bracket', 'round', 'epochs'] as const;

/** Writes trials.json, trials.csv, best.yaml and scores.svg into the search folder. */
export async function writeSummary(dir: string, plan: Plan, s: Summary): Promise<void> {
  const keys = Object.keys(plan.space);
  const bad = s.trials.find((r) => r.status === 'no_metric');
  if (bad) {
    const t = plan.trials[bad.trial];
    const u = t ? unitsOf(t)[0] : undefined;
    const first = u ? await readUnitResult(dir, u) : undefined;
    const logged = first ? Object.keys(first.result.final).join(', ') : '';
    throw new KeratsError(`tune.metric "${plan.metric}" was not logged by the trials${logged ? ` (they log: ${logged})` : ''}; set tune.metric to one of those`);
  }
  await writeJsonAtomic(path.join(dir, 'trials.json'), s);
  const folds = Math.max(1, plan.cv ?? 1);
  const hb = plan.hyperband ? HB_KEYS : [];
  const head = ['rank', 'trial', ...hb, ...keys, ...Array.from({ length: folds }, (_, k) => `fold_${k}`), 'mean', 'std', 'seconds', 'status'];
  const cell = (v: unknown) => {
    const t = typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
    return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  const lines = s.trials.map((r) => [r.rank, r.trial, ...hb.map((k) => r[k]), ...keys.map((k) => r.params[k]), ...Array.from({ length: folds }, (_, k) => r.scores[k]), r.mean, r.std, r.seconds, r.status].map(cell).join(','));
  await writeFileAtomic(path.join(dir, 'trials.csv'), [head.join(','), ...lines].join('\n') + '\n');
  if (s.best) {
    const t = plan.trials[s.best.trial];
    const text = await fs.readFile(path.join(dir, path.dirname(t?.configs[0] ?? ''), 'config.yaml'), 'utf8');
    await writeFileAtomic(path.join(dir, 'best.yaml'), `# kerats tune: best of ${s.complete} trial(s) by ${plan.metric} (${plan.mode})\n${text}`);
    // The chart library loads only when there is something to draw.
    const { scoresSvg, axisOf } = await import('../plot/scores-chart.js');
    const scored = s.trials.flatMap((r) => (r.mean === undefined ? [] : [{ trial: r.trial, params: r.params, mean: r.mean, ...(r.std !== undefined && plan.cv ? { std: r.std } : {}), ...(r.epochs !== undefined ? { epochs: r.epochs } : {}) }]));
    const axes = keys.map((k) => axisOf(k, plan.space[k] ?? []));
    await writeFileAtomic(path.join(dir, 'scores.svg'), await scoresSvg(plan.metric + (plan.cv ? ` (mean of ${plan.cv} folds)` : ''), axes, scored, plan.name));
  }
}

const show = (v: unknown) => (v === undefined ? '?' : typeof v === 'string' ? v : JSON.stringify(v));

/** The ranked table shown after a search. */
export function table(plan: Plan, s: Summary, limit = Infinity): string {
  const keys = Object.keys(plan.space);
  const hb = plan.hyperband ? HB_KEYS : [];
  const head = ['rank', 'trial', ...hb, ...keys, plan.metric + (plan.cv ? ` (mean ± std, ${plan.cv} folds)` : ''), 'seconds'];
  const rows = s.trials.slice(0, limit).map((r) => [
    r.rank === undefined ? '-' : String(r.rank),
    String(r.trial),
    ...hb.map((k) => show(r[k])),
    ...keys.map((k) => show(r.params[k])),
    r.mean === undefined ? r.status : plan.cv ? `${r.mean.toFixed(4)} ± ${(r.std ?? 0).toFixed(4)}` : r.mean.toFixed(4),
    r.seconds.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n') + '\n';
}
