/**
 * A small text chart of the loss per epoch, printed on a terminal when training ends: rows of
 * block characters scaled between the lowest and highest value, train as `●`, validation as `○`.
 */
import type { History } from './history-chart.js';

export function textChart(history: History, opts: { height?: number; width?: number; key?: string } = {}): string {
  const key = opts.key ?? 'loss';
  const train = history[key] ?? [];
  const val = history[`val_${key}`] ?? [];
  const n = Math.max(train.length, val.length);
  if (n < 2) return '';
  const height = opts.height ?? 8;
  const width = Math.min(opts.width ?? 60, n);
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
  const label = (v: number) => v.toPrecision(3).padStart(9);
  const lines = grid.map((r, i) => `${i === 0 ? label(hi) : i === height - 1 ? label(lo) : ' '.repeat(9)} ┤${r.join('')}`);
  lines.push(`${' '.repeat(9)} └${'─'.repeat(width)}`);
  lines.push(`${' '.repeat(11)}epoch 1${' '.repeat(Math.max(1, width - 7 - String(n).length - 6))}epoch ${n}`);
  const legend = val.length > 0 ? `● ${key}  ○ val_${key}` : `● ${key}`;
  return [`${' '.repeat(11)}${legend}`, ...lines].join('\n') + '\n';
}
