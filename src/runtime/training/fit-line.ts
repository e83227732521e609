/**
 * Progress lines that fit a terminal. A line wider than the terminal wraps, and a live line
 * redrawn with a carriage return then leaves a new row per redraw; cutting it at the edge hides
 * numbers (`... loss: 2.9968 - accuracy`). So the line is built at decreasing levels of detail
 * until it fits: throughput goes first, then the bar shrinks, metric names are abbreviated
 * (`accuracy` → `acc`, `val_sparse_categorical_accuracy` → `val_sp_cat_acc`), the time per step
 * goes, the bar goes, separators tighten. The step count, the ETA, the loss and every metric stay
 * as long as the terminal is at all wide enough for them (80 columns is); only narrower than that
 * are the last metrics replaced by `…`.
 */
import { formatValue, type Logs } from '../../registry/callbacks/callbacks-types.js';

/** Keras's bar width. */
const BAR_WIDTH = 30;

/** `0.4s`, `12s`, `2m05s`. */
export function formatSeconds(s: number): string {
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
}

/** `1.2k samples/s`. */
export function formatThroughput(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '- samples/s';
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)}M samples/s`;
  if (perSecond >= 1e4) return `${Math.round(perSecond / 1e3)}k samples/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k samples/s`;
  return `${Math.round(perSecond)} samples/s`;
}

/** `[=====>    ]`: done part, an arrow head while unfinished, the rest blank. */
export function formatBar(step: number, steps: number, width = BAR_WIDTH): string {
  const done = steps > 0 ? Math.min(width, Math.floor((step / steps) * width)) : width;
  if (done >= width) return `[${'='.repeat(width)}]`;
  const head = done > 0 ? `${'='.repeat(done - 1)}>` : '';
  return `[${head}${' '.repeat(width - head.length)}]`;
}


/** `12ms`, `450us`, `1.2s`: time per step, as Keras prints it. */
export function formatRate(secondsPerStep: number): string {
  if (!Number.isFinite(secondsPerStep)) return '-';
  if (secondsPerStep >= 1) return `${secondsPerStep.toFixed(1)}s`;
  if (secondsPerStep >= 1e-3) return `${Math.round(secondsPerStep * 1e3)}ms`;
  return `${Math.round(secondsPerStep * 1e6)}us`;
}

/** Whole log names with a usual short form. */
const SHORT_NAMES: Record<string, string> = {
  mean_squared_error: 'mse',
  mean_absolute_error: 'mae',
  mean_absolute_percentage_error: 'mape',
  mean_squared_logarithmic_error: 'msle',
  root_mean_squared_error: 'rmse',
  learning_rate: 'lr',
};

/** Words inside log names and their short forms. */
const SHORT_WORDS: Record<string, string> = {
  accuracy: 'acc',
  categorical: 'cat',
  sparse: 'sp',
  binary: 'bin',
  precision: 'prec',
  recall: 'rec',
  crossentropy: 'xent',
  absolute: 'abs',
  squared: 'sq',
  error: 'err',
  output: 'out',
};

/** `val_sparse_categorical_accuracy` → `val_sp_cat_acc`; `loss` stays. */
export function abbreviateKey(key: string): string {
  const val = key.startsWith('val_') ? 'val_' : '';
  const rest = key.slice(val.length);
  for (const [long, short] of Object.entries(SHORT_NAMES)) {
    if (rest === long) return val + short;
    if (rest.endsWith(`_${long}`)) return val + abbreviateKey(rest.slice(0, -long.length - 1)) + '_' + short;
  }
  return val + rest.replace(/(^|_)top_k(_|$)/, '$1topk$2').split('_').map((w) => SHORT_WORDS[w] ?? (w.length > 6 ? w.slice(0, 4) : w)).join('_');
}

export interface LineParts {
  /** Batches done in the epoch, and its batches (0: unknown, streamed data). */
  step: number;
  steps: number;
  /** Seconds left in the epoch (live line). */
  eta?: number;
  /** Seconds the epoch took (final line). */
  seconds?: number;
  perStep?: number;
  /** Samples per second. */
  throughput?: number;
  logs: Logs;
}

interface Detail {
  throughput: boolean;
  bar: number;
  short: boolean;
  perStep: boolean;
  /** ` - k: v` (false: ` k=v`). */
  dashes: boolean;
}

/** From the most detailed to the most compact. */
const LEVELS: Detail[] = [
  { throughput: true, bar: 30, short: false, perStep: true, dashes: true },
  { throughput: false, bar: 30, short: false, perStep: true, dashes: true },
  { throughput: false, bar: 20, short: false, perStep: true, dashes: true },
  { throughput: false, bar: 10, short: false, perStep: true, dashes: true },
  { throughput: false, bar: 10, short: true, perStep: true, dashes: true },
  { throughput: false, bar: 0, short: true, perStep: true, dashes: true },
  { throughput: false, bar: 0, short: true, perStep: false, dashes: true },
  { throughput: false, bar: 0, short: true, perStep: false, dashes: false },
];

function head(p: LineParts, d: Detail): string[] {
  // Padded while a bar follows, so the bar does not jump as the count grows.
  const count = p.steps > 0 ? `${d.bar > 0 ? String(p.step).padStart(String(p.steps).length) : p.step}/${p.steps}` : `${p.step}`;
  const words = [count];
  if (d.bar > 0 && p.steps > 0) words.push(formatBar(p.step, p.steps, d.bar));
  if (p.seconds !== undefined) words.push(formatSeconds(p.seconds));
  else if (p.eta !== undefined) words.push(`ETA ${formatSeconds(p.eta)}`);
  if (d.perStep && p.perStep !== undefined) words.push(`${formatRate(p.perStep)}/step`);
  if (d.throughput && p.throughput !== undefined) words.push(formatThroughput(p.throughput));
  return words;
}

function entries(logs: Logs, d: Detail): string[] {
  return Object.entries(logs).map(([k, v]) => `${d.short ? abbreviateKey(k) : k}${d.dashes ? ': ' : '='}${formatValue(v)}`);
}

function join(headWords: string[], items: string[], d: Detail): string {
  const sep = d.dashes ? ' - ' : ' ';
  return [headWords.join(' '), ...items].join(sep);
}

/** The live line, at most `columns - 1` characters (writing the last column makes some terminals wrap). */
export function fitLiveLine(p: LineParts, columns: number): string {
  const max = Math.max(20, columns - 1);
  for (const d of LEVELS) {
    const line = join(head(p, d), entries(p.logs, d), d);
    if (line.length <= max) return line;
  }
  // Narrower than any complete line: as many entries as fit, then `…`; cut only as the last resort.
  const d = LEVELS[LEVELS.length - 1] as Detail;
  const items = entries(p.logs, d);
  while (items.length > 1 && join(head(p, d), [...items, '…'], d).length > max) items.pop();
  const line = join(head(p, d), items.length < Object.keys(p.logs).length ? [...items, '…'] : items, d);
  return line.slice(0, max);
}

/**
 * The epoch's final line: everything (validation numbers included), fitted like the live line
 * but never dropping an entry; when even the most compact form is too wide, entries continue on
 * indented lines.
 */
export function fitFinalLines(p: LineParts, columns: number): string[] {
  const max = Math.max(20, columns - 1);
  for (const d of LEVELS) {
    const line = join(head(p, d), entries(p.logs, d), d);
    if (line.length <= max) return [line];
  }
  const d = LEVELS[LEVELS.length - 2] as Detail;
  const lines: string[] = [];
  let current = head(p, d).join(' ');
  for (const item of entries(p.logs, d)) {
    if ((current + ' - ' + item).length <= max) current += ' - ' + item;
    else {
      lines.push(current);
      current = `  - ${item}`;
    }
  }
  lines.push(current);
  return lines;
}
