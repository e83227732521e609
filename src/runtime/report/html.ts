/**
 * `report.html`: one self-contained file (inline CSS, SVG and a few lines of JavaScript; nothing
 * fetched from the network) that shows one run, or several side by side: a summary table with
 * the cells that differ between runs marked, the config differences, and per run its history
 * charts (train and validation per metric, the learning rate when logged), final and best
 * metrics, quality gates, confusion matrix and per-class scores (classifiers), the model graph,
 * the layer summary, the manifest (backend, versions, seeds, timings) and the config.
 */
import { stringify } from 'yaml';
import { diffJson } from '../../saving/checkpoint/config-diff.js';
import { formatValue } from '../../registry/callbacks/callbacks-types.js';
import { lineChartSvg } from './line-chart.js';
import { bestOf, durationSeconds, headlineMetrics, type RunData } from './run-data.js';

export interface GateRow {
  metric: string;
  op: '>=' | '<=';
  value: number;
  actual?: number;
  passed: boolean;
}

export interface ReportRun extends RunData {
  /** The model graph as SVG (plot-model's drawing), when the model could be loaded. */
  graphSvg?: string;
  gates?: GateRow[];
}

const esc = (s: unknown): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number | undefined): string => (v === undefined ? '' : formatValue(v));

const CSS = `
body{font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#c9d1d9}
main{padding:16px 24px}section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px 16px;margin:0 0 16px}
h2{font-size:17px;margin:4px 0 10px}h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;margin:4px 0}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:right;font-variant-numeric:tabular-nums}
th{background:#f6f8fa}td.l,th.l{text-align:left}tr.differs td{background:#fff8c5}
.charts{display:flex;flex-wrap:wrap;gap:8px}.chart{background:#fff;border:1px solid #eee;font-size:11px}.tick{font-size:10px;fill:#57606a}
pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:12px;max-height:420px}.graph{overflow:auto;max-height:720px;border:1px solid #eee}
.pass{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;font-weight:bold}.cm td{min-width:34px}.runs{display:grid;gap:16px}
`;

// Marks the rendered page (the browser test reads it) and lets a click on a run's name in the
// summary jump to its section; everything else is static.
const SCRIPT = `
document.querySelectorAll('[data-run-link]').forEach(function (a) {
  a.addEventListener('click', function () { var t = document.getElementById(a.getAttribute('data-run-link')); if (t) t.scrollIntoView(); });
});
document.body.setAttribute('data-rendered', String(document.querySelectorAll('svg').length));
`;

function keysOf(runs: ReportRun[], pick: (r: ReportRun) => Record<string, number> | undefined): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(pick(r) ?? {})))];
}

function summaryTable(runs: ReportRun[]): string {
  const rows: [string, (r: ReportRun) => string][] = [
    ['config', (r) => String(r.config.name ?? '')],
    ['epochs', (r) => String(r.metrics.epochs_completed ?? r.history.loss?.length ?? '')],
    ['best epoch', (r) => String(r.metrics.best_epoch ?? '')],
    // The last epoch's training numbers; its val_ ones repeat the saved model's validation row below.
    ...keysOf(runs, (r) => r.metrics.final).filter((k) => !k.startsWith('val_') || !runs.some((r) => r.metrics.validation)).map((k): [string, (r: ReportRun) => string] => [`final ${k}`, (r) => num(r.metrics.final?.[k])]),
    ...keysOf(runs, (r) => r.metrics.validation).map((k): [string, (r: ReportRun) => string] => [`validation ${k}`, (r) => num(r.metrics.validation?.[k])]),
    ...keysOf(runs, (r) => r.metrics.test).map((k): [string, (r: ReportRun) => string] => [`test ${k}`, (r) => num(r.metrics.test?.[k])]),
    ['backend', (r) => String(r.manifest.backend ?? '')],
    ['seed', (r) => String(r.manifest.seed ?? '')],
    ['duration', (r) => { const s = durationSeconds(r); return s === undefined ? '' : `${s.toFixed(1)} s`; }],
  ];
  const head = `<tr><th class="l"></th>${runs.map((r, i) => `<th><a href="#run-${i}" data-run-link="run-${i}">${esc(r.label)}</a></th>`).join('')}</tr>`;
  const body = rows.map(([name, f]) => {
    const cells = runs.map(f);
    const differs = runs.length > 1 && new Set(cells).size > 1;
    return `<tr${differs ? ' class="differs"' : ''}><td class="l">${esc(name)}</td>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  });
  return `<table id="summary">${head}${body.join('')}</table>`;
}

function differences(runs: ReportRun[]): string {
  if (runs.length < 2) return '';
  const first = runs[0] as ReportRun;
  const parts = runs.slice(1).map((r) => {
    const lines = diffJson(first.config, r.config);
    return `<h3>${esc(first.label)} → ${esc(r.label)}</h3>${lines.length ? `<pre class="diff">${esc(lines.join('\n'))}</pre>` : '<p>same config</p>'}`;
  });
  return `<section id="differences"><h2>Config differences</h2>${parts.join('')}</section>`;
}

function charts(r: ReportRun): string {
  const keys = Object.keys(r.history).filter((k) => !k.startsWith('val_'));
  const svgs = keys.map((k) => {
    const series = [{ name: k, values: r.history[k] ?? [], color: '#0969da' }];
    if (r.history[`val_${k}`]) series.push({ name: `val_${k}`, values: r.history[`val_${k}`] ?? [], color: '#bc4c00' });
    return lineChartSvg(/^(lr|learning_rate)$/.test(k) ? 'learning rate' : k, series);
  });
  return `<div class="charts">${svgs.join('')}</div>`;
}

function metricsTables(r: ReportRun): string {
  const best = bestOf(r.history);
  const keys = Object.keys(r.history).filter((k) => best[k]);
  const rows = keys.map((k) => `<tr><td class="l">${esc(k)}</td><td>${num(r.history[k]?.[r.history[k].length - 1])}</td><td>${num(best[k]?.value)}</td><td>${best[k]?.epoch ?? ''}</td></tr>`);
  const held = (['validation', 'test'] as const).filter((w) => r.metrics[w]).map((w) => {
    const m = r.metrics[w] ?? {};
    return `<h3>Saved model on the ${w} data</h3><table><tr>${Object.keys(m).map((k) => `<th>${esc(k)}</th>`).join('')}</tr><tr>${Object.values(m).map((v) => `<td>${num(v)}</td>`).join('')}</tr></table>`;
  });
  return `<table class="metrics"><tr><th class="l">quantity</th><th>final</th><th>best</th><th>best epoch</th></tr>${rows.join('')}</table>${held.join('')}`;
}

function gatesTable(r: ReportRun): string {
  if (!r.gates || r.gates.length === 0) return '';
  const rows = r.gates.map((g) => `<tr><td class="l">${esc(g.metric)}</td><td>${num(g.actual)}</td><td>${g.op} ${g.value}</td><td class="${g.passed ? 'pass' : 'fail'}">${g.passed ? 'pass' : 'FAIL'}</td></tr>`);
  return `<h3>Quality gates</h3><table class="gates"><tr><th class="l">metric</th><th>found</th><th>required</th><th>result</th></tr>${rows.join('')}</table>`;
}

function confusionTables(r: ReportRun): string {
  const c = r.confusion;
  if (!c) return '';
  const max = Math.max(1, ...c.matrix.flat());
  const head = `<tr><th class="l">true \\ predicted</th>${c.classes.map((k) => `<th>${esc(k)}</th>`).join('')}</tr>`;
  const rows = c.matrix.map((row, i) => `<tr><th class="l">${esc(c.classes[i])}</th>${row.map((v, j) => `<td style="background:rgba(${i === j ? '26,127,55' : '207,34,46'},${(0.08 + (0.6 * v) / max).toFixed(2)})">${v}</td>`).join('')}</tr>`);
  const scores = c.per_class.map((s) => `<tr><td class="l">${esc(s.class)}</td><td>${s.precision.toFixed(4)}</td><td>${s.recall.toFixed(4)}</td><td>${s.f1.toFixed(4)}</td><td>${s.support}</td></tr>`);
  return `<h3>Confusion matrix (${esc(c.data)} data, accuracy ${c.accuracy.toFixed(4)})</h3><table class="cm">${head}${rows.join('')}</table>` +
    `<h3>Per-class scores</h3><table class="per-class"><tr><th class="l">class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>${scores.join('')}</table>`;
}

function manifestTable(r: ReportRun): string {
  const rows = Object.entries(r.manifest).map(([k, v]) => `<tr><td class="l">${esc(k)}</td><td class="l">${esc(typeof v === 'object' ? JSON.stringify(v) : v)}</td></tr>`);
  return `<table class="manifest">${rows.join('')}</table>`;
}

function runSection(r: ReportRun, i: number): string {
  return `<section class="run" id="run-${i}"><h2>${esc(r.label)}</h2>` +
    `<h3>History</h3>${charts(r)}` +
    `<h3>Final and best metrics</h3>${metricsTables(r)}` +
    gatesTable(r) +
    confusionTables(r) +
    (r.graphSvg ? `<h3>Model graph</h3><div class="graph">${r.graphSvg}</div>` : '') +
    (r.summary ? `<h3>Layers</h3><pre>${esc(r.summary)}</pre>` : '') +
    `<h3>Manifest</h3>${manifestTable(r)}` +
    `<h3>Config</h3><pre class="config">${esc(stringify(r.config))}</pre>` +
    '</section>';
}

export function reportHtml(runs: ReportRun[]): string {
  const title = runs.length === 1 ? `kerats report: ${runs[0]?.label}` : `kerats report: ${runs.length} runs`;
  const headline = runs.map((r) => `${r.label}: ${Object.entries(headlineMetrics(r)).map(([k, v]) => `${k} ${num(v)}`).join(', ')}`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><header><h1>${esc(title)}</h1><p>${esc(headline.join(' · '))}</p></header><main>
<section><h2>Summary</h2>${summaryTable(runs)}</section>
${differences(runs)}
<div class="runs" style="grid-template-columns:repeat(${Math.min(runs.length, 2)},minmax(0,1fr))">${runs.map(runSection).join('\n')}</div>
</main><script>${SCRIPT}</script></body></html>
`;
}
