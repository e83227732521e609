/** `kerats report --markdown`: a compact table for CI job summaries and pull-request comments. */
import { formatValue } from '../../registry/callbacks/callbacks-types.js';
import type { ReportRun } from './html.js';
import { durationSeconds } from './run-data.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function reportMarkdown(runs: ReportRun[]): string {
  const rows: [string, (r: ReportRun) => string][] = [
    ['epochs', (r) => String(r.metrics.epochs_completed ?? r.history.loss?.length ?? '')],
    ['best epoch', (r) => String(r.metrics.best_epoch ?? '')],
  ];
  for (const where of ['final', 'validation', 'test'] as const) {
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics[where] ?? {})))];
    // The last epoch's validation numbers repeat the saved model's: only training ones from `final`.
    for (const k of where === 'final' ? keys.filter((x) => !x.startsWith('val_')) : keys) {
      rows.push([`${where} ${k}`, (r) => (r.metrics[where]?.[k] === undefined ? '' : formatValue(r.metrics[where]?.[k] as number))]);
    }
  }
  rows.push(['backend', (r) => String(r.manifest.backend ?? '')]);
  rows.push(['duration', (r) => { const s = durationSeconds(r); return s === undefined ? '' : `${s.toFixed(1)} s`; }]);
  if (runs.some((r) => r.gates && r.gates.length > 0)) {
    rows.push(['gates', (r) => (r.gates ?? []).map((g) => (g.passed ? `pass ${g.metric}` : `FAIL ${g.metric} ${g.actual === undefined ? '(absent)' : formatValue(g.actual)} ${g.op === '>=' ? '<' : '>'} required ${g.value}`)).join('; ')]);
  }
  const lines = [
    `| | ${runs.map((r) => cell(r.label)).join(' | ')} |`,
    `|---|${runs.map(() => '---:').join('|')}|`,
    ...rows.map(([name, f]) => `| ${cell(name)} | ${runs.map((r) => cell(f(r))).join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}
