/**
 * `model.summary()` as Keras 3 prints it: a `rich` table with box-drawing rules, `Param #` with
 * thousands separators, `Connected to` (with `-` for inputs) when the model is not a simple
 * chain, and `Total params: 93,130 (363.79 KB)` with the float32 sizes. Column widths, word
 * wrapping and `…` truncation follow Keras's print_summary and rich's table layout, so the text
 * is the same, character for character (test/fixtures/keras3/*.summary.txt).
 */
import { formatOutputShape, type LayerSummary, type ModelSummary } from './summary.js';

type Justify = 'left' | 'right';

/** Keras's default line lengths and column positions (keras/src/utils/summary_utils.py). */
const CHAIN = { lineLength: 88, positions: [0.45, 0.8, 1.0], header: ['Layer (type)', 'Output Shape', 'Param #'], justify: ['left', 'left', 'right'] as Justify[] };
const GRAPH = {
  lineLength: 108,
  positions: [0.3, 0.56, 0.74, 1.0],
  header: ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'],
  justify: ['left', 'left', 'right', 'left'] as Justify[],
};

/** Python's round(): halves go to the even neighbour. */
function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** rich's ratio_reduce: takes `total` off the widths, spread evenly (ratios all 1). */
function ratioReduce(total: number, widths: number[]): number[] {
  let remaining = total;
  let ratio = widths.length;
  return widths.map((w) => {
    const cut = Math.min(w, pyRound(remaining / ratio));
    remaining -= cut;
    ratio -= 1;
    return w - cut;
  });
}

/** Each column's width including its one-space padding each side, as rich lays out a table of `lineLength`. */
export function columnWidths(lineLength: number, positions: number[]): number[] {
  let current = 0;
  const widths = positions.map((p) => {
    const w = Math.floor(p * lineLength) - current;
    current += w;
    return w + 2;
  });
  const maxWidth = lineLength - (positions.length + 1); // the vertical rules
  const total = widths.reduce((a, b) => a + b, 0);
  return total > maxWidth ? ratioReduce(total - maxWidth, widths) : widths;
}

/** rich's divide_line without folding: break before a word that does not fit. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const m of text.matchAll(/\s*\S+\s*/g)) {
    const word = m[0];
    const wordLength = word.trimEnd().length;
    if (line.length > 0 && width - line.length < wordLength) {
      lines.push(line);
      line = word;
    } else {
      line += word;
    }
  }
  lines.push(line);
  return lines;
}

/** One cell line, justified into `width` and cut with `…` when a single word is longer. */
function fit(line: string, width: number, justify: Justify): string {
  let text = justify === 'right' ? line.trimEnd() : line;
  if (text.length > width) text = text.trimEnd();
  if (text.length > width) text = `${text.slice(0, width - 1)}…`;
  return justify === 'right' ? text.padStart(width) : text.padEnd(width);
}

function tableRow(cells: string[], widths: number[], justify: Justify[], rule: string): string[] {
  const wrapped = cells.map((c, i) => wrap(c, (widths[i] ?? 2) - 2));
  const height = Math.max(...wrapped.map((w) => w.length));
  const out: string[] = [];
  for (let r = 0; r < height; r++) {
    const parts = wrapped.map((w, i) => ` ${fit(w[r] ?? '', (widths[i] ?? 2) - 2, justify[i] ?? 'left')} `);
    out.push(`${rule}${parts.join(rule)}${rule}`);
  }
  return out;
}

const ruleLine = (widths: number[], left: string, fill: string, mid: string, right: string): string =>
  `${left}${widths.map((w) => fill.repeat(w)).join(mid)}${right}`;

/**
 * Python's `"%.2f" % x`: like toFixed(2), except that an exact tie (98.125, a size of 100,480
 * bytes in KB) goes to the even neighbour (98.12), where toFixed goes up (98.13).
 */
function pyFixed2(x: number): string {
  const scaled = x * 100; // exact for the sizes here: bytes over powers of 1024 have few binary digits
  const floor = Math.floor(scaled);
  if (scaled - floor !== 0.5) return x.toFixed(2);
  return ((floor % 2 === 0 ? floor : floor + 1) / 100).toFixed(2);
}

/** Keras's readable_memory_size: 1024-based units, two decimals. */
export function readableSize(bytes: number): string {
  let size = bytes;
  for (const unit of ['B', 'KB', 'MB', 'GB', 'TB']) {
    if (size / 1024 < 1) return `${pyFixed2(size)} ${unit}`;
    size /= 1024;
  }
  return `${pyFixed2(size)} PB`;
}

/**
 * Keras 3 prints a functional model as a plain chain (no `Connected to`) when each layer has one
 * input and feeds one layer: one input, one output, no branches, no shared layers.
 */
function isChain(s: ModelSummary): boolean {
  if (s.kind !== 'functional') return true;
  const uses = new Map<string, number>();
  for (const l of s.layers) {
    const c = l.connected_to ?? [];
    if (c.length > 1) return false;
    for (const ref of c) uses.set(ref, (uses.get(ref) ?? 0) + 1);
  }
  const inputs = s.layers.filter((l) => (l.connected_to ?? []).length === 0).length;
  const sinks = s.layers.filter((l) => !s.layers.some((o) => (o.connected_to ?? []).some((r) => r.startsWith(`${l.name}[`)))).length;
  return inputs === 1 && sinks === 1 && [...uses.values()].every((n) => n === 1);
}

function layerCells(l: LayerSummary, graph: boolean, prefix: string): string[] {
  const cells = [`${prefix}${l.name} (${l.type})`, formatOutputShape(l.output_shape), l.params.toLocaleString('en-US')];
  if (graph) cells.push(l.connected_to && l.connected_to.length > 0 ? l.connected_to.join(', ') : '-');
  return cells;
}

export interface Keras3SummaryOptions {
  /** The terminal's width: Keras narrows its table to 4 columns less. */
  terminalColumns?: number;
}

export function formatKeras3Summary(s: ModelSummary, opts: Keras3SummaryOptions = {}): string {
  const graph = !isChain(s);
  const layout = graph ? GRAPH : CHAIN;
  const lineLength = opts.terminalColumns ? Math.min(layout.lineLength, opts.terminalColumns - 4) : layout.lineLength;
  const widths = columnWidths(lineLength, layout.positions);
  const out: string[] = [`Model: "${s.model}"`, ruleLine(widths, '┏', '━', '┳', '┓')];
  out.push(...tableRow(layout.header, widths, layout.justify, '┃'));
  out.push(ruleLine(widths, '┡', '━', '╇', '┩'));
  const rows: string[][] = [];
  const add = (layers: LayerSummary[], level: number): void => {
    for (const l of layers) {
      rows.push(tableRow(layerCells(l, graph, level > 0 ? `${'   '.repeat(level)}└ ` : ''), widths, layout.justify, '│'));
      if (l.layers) add(l.layers, level + 1);
    }
  };
  add(s.layers, 0);
  rows.forEach((r, i) => {
    if (i > 0) out.push(ruleLine(widths, '├', '─', '┼', '┤'));
    out.push(...r);
  });
  out.push(ruleLine(widths, '└', '─', '┴', '┘'));
  const line = (what: string, n: number): string => ` ${what}: ${n.toLocaleString('en-US')} (${readableSize(n * 4)})`;
  out.push(line('Total params', s.total_params), line('Trainable params', s.trainable_params), line('Non-trainable params', s.non_trainable_params));
  return out.join('\n') + '\n';
}
