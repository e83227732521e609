/**
 * A small text chart of the loss per epoch, printed on a terminal when training ends: rows of
 * block characters scaled between the lowest and highest value, train as `●`, validation as `○`.
 */
import type { History } from './history-chart.js';

/** Columns of the narrowest chart, and of the value labels. */
const MIN_WIDTH = 24;
const LABEL = 9;

export function textChart(history: History, opts: { height?: number; width?: number; key?: string } = {}): string {
  const key = opts.key ?? 'loss';
  const train = history[key] ?? [];
  const val = history[`val_${key}`] ?? [];
  const n = Math.max(train.length, val.length);
  if (n < 2) return '';
  const height = opts.height ?? 8;
  // At least MIN_WIDTH columns, so a 2- or 3-epoch run is a readable chart with its epochs spread
  // out (and both x labels fit); at most one column per epoch up to `width`.
  const width = Math.min(opts.width ?? 60, Math.max(MIN_WIDTH, n));
  const finite = [...train, ...val].filter(Number.isFinite);
  if (finite.length === 0) return '';
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const span = hi - lo || 1;
  // Epochs are sampled onto `width` columns when there are more epochs than columns.
  const col = (i: number) => Math.round((i * (width - 1)) / (n - 1));
  const row = (v: number) => height - 1 - Math.round(((v - lo) / span) * (height - 1));
  const grid = Array.from({ length: height }, () => Array<string>(width).fill(' '));
  const plot = (series: number[], ch: string) =>
    series.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const r = grid[row(v)];
      if (r) r[col(i)] = ch;
    });
  plot(val, '○');
  plot(train, '●');
  const label = (v: number) => v.toPrecision(3).padStart(LABEL);
  const mid = Math.floor((height - 1) / 2);
  const rowLabel = (i: number) => (i === 0 ? label(hi) : i === height - 1 ? label(lo) : i === mid && height >= 5 ? label(hi - (span * i) / (height - 1)) : ' '.repeat(LABEL));
  const lines = grid.map((r, i) => `${rowLabel(i)} ┤${r.join('')}`);
  // Epoch ticks under the columns that hold an epoch (all of them when they fit).
  const ticks = Array<string>(width).fill('─');
  for (let i = 0; i < n; i++) ticks[col(i)] = '┬';
  lines.push(`${' '.repeat(LABEL)} └${ticks.join('')}`);
  const last = `epoch ${n}`;
  // `epoch 1` starts under the first column, `epoch N` ends under the last.
  lines.push(`${' '.repeat(LABEL + 2)}epoch 1${' '.repeat(Math.max(1, width - 7 - last.length))}${last}`);
  const legend = val.length > 0 ? `● ${key}  ○ val_${key}` : `● ${key}`;
  return [`${' '.repeat(LABEL + 2)}${legend}`, ...lines].join('\n') + '\n';
}
