/**
 * The training history as a chart: one panel per logged quantity (loss first, then each metric),
 * train and validation as two lines over the epochs. Drawn with Vega-Lite (compiled to a Vega
 * view rendered headless to SVG, no canvas) and rasterised to PNG with resvg.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { svgToPng } from './png.js';

export type History = Record<string, number[]>;

interface Point {
  epoch: number;
  metric: string;
  split: 'train' | 'validation';
  value: number;
}

/** The quantities to chart, in display order: loss, then metrics as logged; `val_` twins join their panel. */
export function chartedMetrics(history: History): string[] {
  const base = Object.keys(history)
    .map((k) => k.replace(/^val_/, ''))
    .filter((k, i, all) => all.indexOf(k) === i && k !== 'learning_rate' && k !== 'lr');
  return base.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
}

function points(history: History, epochOffset = 1): Point[] {
  const out: Point[] = [];
  for (const metric of chartedMetrics(history)) {
    for (const [split, key] of [['train', metric], ['validation', `val_${metric}`]] as const) {
      (history[key] ?? []).forEach((value, i) => {
        // NaN/inf epochs (a diverged run) are left out rather than break the scale.
        if (Number.isFinite(value)) out.push({ epoch: i + epochOffset, metric, split, value });
      });
    }
  }
  return out;
}

/** The Vega-Lite spec of the chart (exported for tests and for users who want to restyle it). */
export function historySpec(history: History, title?: string): TopLevelSpec {
  const metrics = chartedMetrics(history);
  const epochs = Math.max(1, ...Object.values(history).map((v) => v.length));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    // vega looks titles up in plain objects: "constructor" or "toString" break it unless padded.
    ...(title ? { title: title in Object.prototype ? `${title} ` : title } : {}),
    data: { values: points(history) as unknown as Record<string, unknown>[] },
    facet: { field: 'metric', type: 'nominal', sort: metrics, title: null },
    columns: Math.min(2, Math.max(1, metrics.length)),
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 280,
      height: 180,
      mark: { type: 'line', point: epochs <= 30 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' }, scale: { domain: [1, Math.max(2, epochs)] } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: { field: 'split', type: 'nominal', title: null, scale: { domain: ['train', 'validation'], range: ['#1f77b4', '#ff7f0e'] } },
      },
    },
    config: { background: 'white', font: 'DejaVu Sans, Helvetica, Arial, sans-serif' },
  };
}

/** The chart as an SVG document. */
export async function historySvg(history: History, title?: string): Promise<string> {
  const view = new vega.View(vega.parse(compile(historySpec(history, title)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The chart as a PNG image (2× scale for legibility). */
export async function historyPng(history: History, title?: string): Promise<Uint8Array> {
  return svgToPng(await historySvg(history, title));
}
