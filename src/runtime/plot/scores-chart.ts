/**
 * A hyperparameter search's scores per parameter (`kerats tune` writes it as scores.svg): one
 * panel per searched parameter, each trial's mean fold score against the value it used. Lists of
 * names are categorical axes, numbers a linear axis, log-uniform ranges (and number lists that
 * span two decades or more, like learning rates) a log axis. Hyperband trials are coloured by
 * their epochs, since a 1-epoch score and a 27-epoch score are not the same thing. Drawn with the
 * same Vega-Lite → Vega → SVG path as the training history (history-chart.ts).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface ParamAxis {
  name: string;
  kind: 'nominal' | 'linear' | 'log';
}

export interface ScoredTrial {
  trial: number;
  params: Record<string, unknown>;
  mean: number;
  /** Standard deviation over folds (cross-validated searches): drawn as an error bar. */
  std?: number;
  epochs?: number;
}

/** The axis a space entry needs: a list of values, or a {uniform | log_uniform | int_uniform} range. */
export function axisOf(name: string, entry: unknown): ParamAxis {
  if (!Array.isArray(entry)) {
    return { name, kind: typeof entry === 'object' && entry !== null && 'log_uniform' in entry ? 'log' : 'linear' };
  }
  if (!entry.every((v) => typeof v === 'number' && Number.isFinite(v))) return { name, kind: 'nominal' };
  const nums = entry as number[];
  const lo = Math.min(...nums);
  const hi = Math.max(...nums);
  return { name, kind: lo > 0 && hi / lo >= 100 ? 'log' : 'linear' };
}

// vega looks titles up in plain objects: "constructor" or "toString" break it unless padded.
const safeTitle = (t: string) => (t in Object.prototype ? `${t} ` : t);

/** The Vega-Lite spec (exported for tests and for users who want to restyle it). */
export function scoresSpec(metric: string, axes: ParamAxis[], trials: ScoredTrial[], title?: string): TopLevelSpec {
  const byEpochs = trials.some((t) => t.epochs !== undefined);
  const panels = axes.map((a) => {
    const values = trials
      .filter((t) => a.kind === 'nominal' || typeof t.params[a.name] === 'number')
      .map((t) => {
        const v = t.params[a.name];
        return {
          trial: t.trial,
          value: a.kind === 'nominal' ? (typeof v === 'string' ? v : JSON.stringify(v) ?? '') : (v as number),
          score: t.mean,
          lo: t.mean - (t.std ?? 0),
          hi: t.mean + (t.std ?? 0),
          ...(t.epochs !== undefined ? { epochs: t.epochs } : {}),
        };
      });
    const x = a.kind === 'nominal'
      ? { field: 'value', type: 'nominal' as const, title: safeTitle(a.name), axis: { labelAngle: 0 } }
      : { field: 'value', type: 'quantitative' as const, title: safeTitle(a.name), scale: a.kind === 'log' ? { type: 'log' as const } : { zero: false } };
    const color = byEpochs ? { color: { field: 'epochs', type: 'ordinal' as const, title: 'epochs' } } : {};
    const layers: Record<string, unknown>[] = [];
    if (trials.some((t) => t.std !== undefined)) {
      layers.push({ mark: { type: 'rule', opacity: 0.5 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, ...color } });
    }
    layers.push({
      mark: { type: 'point', filled: true, size: 60, opacity: 0.8 },
      encoding: { x, y: { field: 'score', type: 'quantitative', title: safeTitle(metric), scale: { zero: false } }, ...color, tooltip: [{ field: 'trial' }, { field: 'value' }, { field: 'score' }] },
    });
    return { title: safeTitle(a.name), width: 260, height: 180, data: { values }, layer: layers };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(title ? { title: safeTitle(title) } : {}),
    columns: Math.min(2, Math.max(1, axes.length)),
    concat: panels,
    config: { background: 'white', font: 'DejaVu Sans, Helvetica, Arial, sans-serif' },
  } as unknown as TopLevelSpec;
}

/** The chart as an SVG document. */
export async function scoresSvg(metric: string, axes: ParamAxis[], trials: ScoredTrial[], title?: string): Promise<string> {
  const view = new vega.View(vega.parse(compile(scoresSpec(metric, axes, trials, title)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
