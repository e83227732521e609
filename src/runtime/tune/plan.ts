/**
 * Planning a search: validate every trial's config BEFORE anything trains (a bad space entry is
 * reported at its line in the file, exit 2), then write the search folder: `plan.json`, one
 * self-contained config per trial (and per fold), and the fold files for cross-validation. Running,
 * resuming and collecting only read this folder, so trials can run anywhere it is mounted.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/load.js';
import { parseConfigText } from '../../config/parse.js';
import type { KeratsConfig, SourceLocation } from '../../config/types.js';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic.js';
import { ConfigError, KeratsError, formatProblem, type Problem } from '../../util/errors.js';
import { safeName, timestamp } from '../run-folder.js';
import { writeFolds } from './folds.js';
import { setsOf, spaceLocations, trialsOf, tuneSpec, type Trial, type TuneSpec } from './space.js';

export const PLAN_FILE = 'plan.json';

export interface PlannedTrial extends Trial {
  /** Trial configs, relative to the search folder: one, or one per fold. */
  configs: string[];
}

export interface Plan {
  version: 1;
  name: string;
  /** The config the search came from (absolute path when planned). */
  config: string;
  metric: string;
  mode: 'min' | 'max';
  strategy: 'grid' | 'random';
  seed: number;
  cv?: number;
  space: TuneSpec['space'];
  trials: PlannedTrial[];
  /** When the plan was written (ISO time). */
  created: string;
}

type Json = Record<string, unknown>;
const DATA_PATH_KEYS = ['csv', 'tsv', 'json', 'ndjson', 'npy', 'npz', 'idx', 'labels', 'images'];
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The resolved config as a file that works from any folder: no `tune`, absolute file paths. */
export function standaloneConfig(config: KeratsConfig): Json {
  const doc = JSON.parse(JSON.stringify(config.resolved)) as Json;
  delete doc.tune;
  delete doc.$schema;
  const dir = path.dirname(config.file);
  const abs = (v: unknown) => (typeof v === 'string' ? path.resolve(dir, v) : v);
  const data = doc.data;
  if (isObj(data)) {
    for (const part of ['train', 'validation', 'test']) {
      const s = data[part];
      if (isObj(s)) for (const k of DATA_PATH_KEYS) if (typeof s[k] === 'string') s[k] = abs(s[k]);
    }
  }
  const model = doc.model;
  if (isObj(model)) {
    if (typeof model.keras_json === 'string') model.keras_json = abs(model.keras_json);
    if (isObj(model.base) && typeof model.base.from === 'string') model.base.from = abs(model.base.from);
  }
  if (Array.isArray(doc.plugins)) doc.plugins = doc.plugins.map(abs);
  return doc;
}

/** Problems from a trial's `--set` moved to the space entry that caused them. */
function relocate(err: KeratsError, params: Record<string, unknown>, locs: Map<string, SourceLocation>): Problem[] {
  return err.problems.map((p) => {
    const src = p.loc && p.loc.line <= 0 && p.loc.file.startsWith('--set ') ? p.loc.file.slice(6) : undefined;
    if (src === undefined) return p;
    const key = src.slice(0, src.indexOf('='));
    const loc = locs.get(key);
    const message = `tune.space "${key}" = ${JSON.stringify(params[key])}: ${p.message.replace(`--set ${src}: `, '')}`;
    return loc ? { message, loc } : { message };
  });
}

export interface PlanOptions {
  /** The search folder; `<root>/<name>/<timestamp>` when omitted. */
  out?: string;
  root?: string;
}

/** Validates every trial and writes the search folder; returns the plan and the folder. */
export async function createPlan(file: string, opts: PlanOptions = {}): Promise<{ plan: Plan; dir: string }> {
  const base = await loadConfig(file);
  const text = await fs.readFile(file, 'utf8');
  const root = parseConfigText(text.replace(/^\uFEFF/, ''), file);
  const locs = spaceLocations(root);
  const tuneLoc = root.kind === 'map' ? root.entries.find((e) => e.key === 'tune')?.keyLoc : undefined;
  const spec = tuneSpec(base.resolved.tune, base.seed, locs, tuneLoc);
  const trials = trialsOf(spec);

  // Every trial's config is checked now, so a bad value fails the search before minutes of training.
  const problems = new Map<string, Problem>();
  const configs: KeratsConfig[] = [];
  for (const t of trials) {
    try {
      configs.push(await loadConfig(file, { sets: setsOf(t.params) }));
    } catch (e) {
      if (!(e instanceof KeratsError)) throw e;
      for (const p of relocate(e, t.params, locs)) problems.set(formatProblem(p), p);
    }
  }
  if (problems.size > 0) throw new ConfigError([...problems.values()]);

  let foldSource: { file: string; label: string | number } | undefined;
  if (spec.cv !== undefined) {
    const train = base.data?.train;
    if (!train || train.kind !== 'csv' || (train.format !== undefined && train.format !== 'tsv')) {
      throw new ConfigError({ message: `tune.cv: cross-validation needs a CSV or TSV training file under data.train (got ${train ? `a ${train.kind} source` : 'none'}); remove cv: to tune on the validation data instead`, ...(tuneLoc ? { loc: tuneLoc } : {}) });
    }
    foldSource = { file: train.path, label: train.labelPosition ?? train.label };
  }

  const dir = path.resolve(opts.out ?? path.join(opts.root ?? 'tune', safeName(base.name), timestamp()));
  const existing = await fs.readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0) throw new ConfigError(`"${opts.out ?? dir}" already exists and is not empty; choose a new folder (or --resume it)`);
  await fs.mkdir(dir, { recursive: true });
  const folds = foldSource && spec.cv ? await writeFolds(foldSource.file, foldSource.label, spec.cv, spec.seed, path.join(dir, 'folds')) : undefined;

  const planned: PlannedTrial[] = [];
  for (const t of trials) {
    const cfg = configs[t.index] as KeratsConfig;
    const doc = standaloneConfig(cfg);
    const tdir = trialDirName(t.index);
    await fs.mkdir(path.join(dir, tdir), { recursive: true });
    await writeFileAtomic(path.join(dir, tdir, 'config.yaml'), header(t) + stringify(doc));
    const names: string[] = [];
    if (folds) {
      for (const [k, f] of folds.entries()) {
        const data = { ...(doc.data as Json) };
        delete data.validation_split;
        data.train = { ...(data.train as Json), [/\.tsv$/.test(f.train) ? 'tsv' : 'csv']: f.train };
        data.validation = { ...(data.train as Json), [/\.tsv$/.test(f.validation) ? 'tsv' : 'csv']: f.validation };
        const name = path.join(tdir, `fold-${k}.yaml`);
        await writeFileAtomic(path.join(dir, name), header(t, k) + stringify({ ...doc, data }));
        names.push(name);
      }
    } else names.push(path.join(tdir, 'config.yaml'));
    planned.push({ ...t, configs: names });
  }
  const plan: Plan = {
    version: 1,
    name: base.name,
    config: path.resolve(file),
    metric: spec.metric,
    mode: spec.mode,
    strategy: spec.strategy,
    seed: spec.seed,
    ...(spec.cv !== undefined ? { cv: spec.cv } : {}),
    space: spec.space,
    trials: planned,
    created: new Date().toISOString(),
  };
  await writeJsonAtomic(path.join(dir, PLAN_FILE), plan);
  return { plan, dir };
}

export function trialDirName(index: number): string {
  return `trial-${String(index).padStart(3, '0')}`;
}

function header(t: Trial, fold?: number): string {
  const params = Object.entries(t.params).map(([k, v]) => `#   ${k}: ${JSON.stringify(v)}`).join('\n');
  return `# kerats tune: trial ${t.index}${fold !== undefined ? `, fold ${fold}` : ''}\n${params}\n`;
}

/** Reads a search folder's plan (`--trial`, `--collect`, `--resume`). */
export async function readPlan(dir: string): Promise<Plan> {
  const text = await fs.readFile(path.join(dir, PLAN_FILE), 'utf8').catch(() => {
    throw new ConfigError(`"${dir}" is not a tune folder: it has no ${PLAN_FILE} (create one with kerats tune CONFIG --plan -o ${dir})`);
  });
  return JSON.parse(text) as Plan;
}
