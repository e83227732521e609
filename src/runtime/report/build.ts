/** Run folders → what the report shows: their files, the model graph, and the quality gates checked. */
import type * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { loadModel } from '../../saving/model-io.js';
import type { Threshold } from '../evaluate-run.js';
import { plotGraph, toSvg } from '../graph/plot.js';
import type { GateRow, ReportRun } from './html.js';
import { headlineMetrics, readRun } from './run-data.js';

export interface ReportOptions {
  gates?: Threshold[];
  /** The trained model of a run (the end of `kerats train`), instead of loading its model.json. */
  model?: tf.LayersModel;
  /** Headings, by position (default: the folders' names). */
  labels?: string[];
}

async function graphOf(dir: string, model: tf.LayersModel | undefined): Promise<string | undefined> {
  try {
    const m = model ?? (await loadModel(path.join(dir, 'model.json')));
    try {
      return await toSvg(plotGraph(m), true);
    } finally {
      if (!model) m.dispose();
    }
  } catch {
    return undefined; // a model this process cannot load (custom layers without their plugin): no graph
  }
}

/** A gate against the run's headline metrics (held-out evaluation, else the last epoch). */
function checkGate(g: Threshold, metrics: Record<string, number>): GateRow {
  const actual = metrics[g.metric];
  const passed = actual !== undefined && (g.op === '>=' ? actual >= g.value : actual <= g.value);
  return { ...g, ...(actual !== undefined ? { actual } : {}), passed };
}

export async function reportRuns(dirs: string[], opts: ReportOptions = {}): Promise<ReportRun[]> {
  const runs: ReportRun[] = [];
  for (const [i, dir] of dirs.entries()) {
    const run = await readRun(dir, opts.labels?.[i]);
    const graphSvg = await graphOf(dir, dirs.length === 1 ? opts.model : undefined);
    runs.push({ ...run, ...(graphSvg ? { graphSvg } : {}), gates: (opts.gates ?? []).map((g) => checkGate(g, headlineMetrics(run))) });
  }
  return runs;
}
