/**
 * Hyperband's successive halving on a search folder: a trial of round r > 0 trains the `slot`-th
 * best configuration of its bracket's previous round for more epochs. It is decided from the
 * previous round's results only once ALL of them are in, so the outcome does not depend on which
 * trial finished first, on how many workers ran, or on which machine ran what: the same config
 * gives the same search. Deciding writes the trial's configs (the parent's, with more epochs) and
 * `trial.json`, last: the marker that the trial is ready. Writes are atomic and their content is
 * fixed by the results, so two processes deciding the same trial at once write the same files.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic.js';
import { KeratsError } from '../../util/errors.js';
import { configHeader, type Plan, type PlannedTrial } from './plan.js';
import { Limiter, countComplete, metricValue, readUnitResult, runTrials, unitsOf, type RunEvents } from './runner.js';

export const PROMOTION_FILE = 'trial.json';

export interface Promotion {
  trial: number;
  /** The previous-round trial whose configuration this one trains longer. */
  parent: number;
  params: Record<string, unknown>;
  epochs: number;
}

const trialDir = (t: PlannedTrial) => path.dirname(t.configs[0] ?? '');

export async function readPromotion(dir: string, t: PlannedTrial): Promise<Promotion | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, trialDir(t), PROMOTION_FILE), 'utf8')) as Promotion;
  } catch {
    return undefined;
  }
}

/** A trial's parameters: planned, or (promoted trials) decided; undefined while undecided. */
export async function trialParams(dir: string, t: PlannedTrial): Promise<Record<string, unknown> | undefined> {
  if (!t.hyperband || t.hyperband.round === 0) return t.params;
  return (await readPromotion(dir, t))?.params;
}

/** Mean fold score of a trial; undefined while a unit has no result. */
export async function trialScore(dir: string, plan: Plan, t: PlannedTrial): Promise<number | undefined> {
  const results = await Promise.all(unitsOf(t).map((u) => readUnitResult(dir, u)));
  if (results.some((r) => r === undefined)) return undefined;
  const scores = results.map((r) => (r ? metricValue(r, plan.metric) : undefined));
  if (scores.some((s) => s === undefined)) {
    const logged = Object.keys(results[0]?.result.final ?? {}).join(', ');
    throw new KeratsError(`tune.metric "${plan.metric}" was not logged by trial ${t.index}${logged ? ` (it logs: ${logged})` : ''}; set tune.metric to one of those`);
  }
  return (scores as number[]).reduce((a, b) => a + b, 0) / scores.length;
}

export type Resolution = { trial: PlannedTrial } | { waiting: number[] };

/** The trial ready to run (with its parameters), or the previous-round trials it still waits for. */
export async function resolveTrial(dir: string, plan: Plan, t: PlannedTrial): Promise<Resolution> {
  const hb = t.hyperband;
  if (!hb || hb.round === 0) return { trial: t };
  const done = await readPromotion(dir, t);
  if (done) return { trial: { ...t, params: done.params } };
  const previous = (hb.previous ?? []).map((k) => plan.trials[k]).filter((p): p is PlannedTrial => p !== undefined);
  const scored: { t: PlannedTrial; score: number }[] = [];
  const waiting: number[] = [];
  for (const p of previous) {
    const score = await trialScore(dir, plan, p);
    if (score === undefined) waiting.push(p.index);
    else scored.push({ t: p, score });
  }
  if (waiting.length > 0) return { waiting };
  const sign = plan.mode === 'max' ? -1 : 1;
  // KerasTuner sorts the round by score; ties keep trial order.
  scored.sort((a, b) => sign * (a.score - b.score) || a.t.index - b.t.index);
  const parent = scored[hb.slot]?.t;
  const params = parent ? await trialParams(dir, parent) : undefined;
  if (!parent || !params) throw new KeratsError(`tune: trial ${t.index} has no configuration to promote (its previous round has ${scored.length} trial(s)); the search folder is damaged, plan it again`);
  // Every config of the parent (the full-data one for best.yaml, and each fold's), with more epochs.
  const files = [...new Set([path.join(trialDir(parent), 'config.yaml'), ...parent.configs])];
  await fs.mkdir(path.join(dir, trialDir(t)), { recursive: true });
  for (const f of files) {
    const doc = parse(await fs.readFile(path.join(dir, f), 'utf8')) as Record<string, unknown>;
    doc.fit = { ...(doc.fit as Record<string, unknown>), epochs: hb.epochs };
    const fold = /fold-(\d+)\.yaml$/.exec(f)?.[1];
    const note = `# hyperband: bracket ${hb.bracket}, round ${hb.round}: trial ${parent.index}'s configuration (rank ${hb.slot + 1} of trials ${previous.map((p) => p.index).join(', ')}) trained for ${hb.epochs} epochs\n`;
    await writeFileAtomic(path.join(dir, trialDir(t), path.basename(f)), configHeader({ index: t.index, params }, fold === undefined ? undefined : Number(fold)) + note + stringify(doc));
  }
  const promotion: Promotion = { trial: t.index, parent: parent.index, params, epochs: hb.epochs };
  await writeJsonAtomic(path.join(dir, trialDir(t), PROMOTION_FILE), promotion);
  return { trial: { ...t, params } };
}

/**
 * Runs a hyperband search folder's missing trials: every bracket at once, each round after its
 * previous one, all sharing `workers` processes. A bracket whose round had a failure stops there
 * (`--resume` continues it); the rest go on.
 */
export async function runHyperband(dir: string, plan: Plan, workers: number, events: RunEvents = {}, opts: { backend?: string } = {}): Promise<{ errors: string[]; seconds: number }> {
  const limiter = new Limiter(Math.max(1, workers));
  const progress = { done: await countComplete(dir, plan) };
  const errors: string[] = [];
  let seconds = 0;
  await Promise.all(
    (plan.hyperband?.brackets ?? []).map(async (b) => {
      for (const r of b.rounds) {
        const ready: PlannedTrial[] = [];
        for (const k of r.trials) {
          const t = plan.trials[k];
          if (!t) continue;
          const res = await resolveTrial(dir, plan, t);
          if ('waiting' in res) return;
          ready.push(res.trial);
        }
        const out = await runTrials(dir, plan, ready, limiter, events, opts, progress);
        errors.push(...out.errors);
        seconds += out.seconds;
        if (out.errors.length > 0) return;
      }
    }),
  );
  return { errors, seconds };
}
