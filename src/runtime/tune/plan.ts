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
import { parseOverridePath, type PathSegment } from '../../config/overrides.js';
import { ConfigError, KeratsError, formatProblem, type Problem } from '../../util/errors.js';
import { safeName, timestamp } from '../../saving/run-folder.js';
import { writeFolds } from './folds.js';
import { hyperbandTrials, type HyperbandInfo, type HyperbandSlot } from './hyperband.js';
import { setsOf, spaceLocations, trialsOf, tuneKeyLocations, tuneSpec, type Trial, type TuneSpec } from './space.js';

export const PLAN_FILE = 'plan.json';

export interface PlannedTrial extends Trial {
  /** Trial configs, relative to the search folder: one, or one per fold (hyperband rounds > 0: written when decided). */
  configs: string[];
  /** Hyperband: the trial's bracket and round; `params` is empty until a round > 0 trial is decided (promote.ts). */
  hyperband?: HyperbandSlot;
}

export interface Plan {
  version: 1;
  name: string;
  /** The config the search came from (absolute path when planned). */
  config: string;
  metric: string;
  mode: 'min' | 'max';
  strategy: TuneSpec['strategy'];
  seed: number;
  cv?: number;
  space: TuneSpec['space'];
  /** `--set` overrides applied to the config before the space (kept for the record). */
  sets?: string[];
  hyperband?: HyperbandInfo;
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

interface Relocated {
  problem: Problem;
  /** The space entry (and its value) that caused it, when it came from a trial's parameter. */
  key?: string;
  value?: string;
  message?: string;
}

/** Problems from a trial's `--set` moved to the space entry that caused them. */
function relocate(err: KeratsError, params: Record<string, unknown>): Relocated[] {
  return err.problems.map((p) => {
    const src = p.loc && p.loc.line <= 0 && p.loc.file.startsWith('--set ') ? p.loc.file.slice(6) : undefined;
    const key = src?.slice(0, src.indexOf('='));
    if (src === undefined || key === undefined || !(key in params)) return { problem: p };
    return { problem: p, key, value: JSON.stringify(params[key]), message: p.message.replace(`--set ${src}: `, '') };
  });
}

/**
 * One problem per space entry when every value of the entry fails the same way (a path that does
 * not exist fails whatever the value), else one per failing value; located at the entry.
 */
function spaceProblems(found: Relocated[], trials: Trial[], locs: Map<string, SourceLocation>): Problem[] {
  const out = new Map<string, Problem>();
  const tried = new Map<string, Set<string>>();
  for (const t of trials) for (const [k, v] of Object.entries(t.params)) tried.set(k, (tried.get(k) ?? new Set()).add(JSON.stringify(v)));
  const valuesOf = new Map<string, Set<string>>();
  for (const f of found) {
    if (f.key === undefined) continue;
    const id = `${f.key}\u0000${f.message}`;
    valuesOf.set(id, (valuesOf.get(id) ?? new Set()).add(f.value ?? ''));
  }
  for (const f of found) {
    if (f.key === undefined) {
      out.set(formatProblem(f.problem), f.problem);
      continue;
    }
    const loc = locs.get(f.key);
    const every = (valuesOf.get(`${f.key}\u0000${f.message}`)?.size ?? 0) === (tried.get(f.key)?.size ?? -1);
    const message = every ? `tune.space "${f.key}": ${f.message}` : `tune.space "${f.key}" = ${f.value}: ${f.message}`;
    const p = loc ? { message, loc } : { message };
    out.set(formatProblem(p), p);
  }
  return [...out.values()];
}

/** Paths that overlap: equal, or one inside the other (`compile.optimizer` and `compile.optimizer.Adam.learning_rate`). */
function overlaps(a: PathSegment[], b: PathSegment[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A `--set` that changes what a space entry searches is ambiguous: reported naming both. */
function setCollisions(sets: readonly string[], space: TuneSpec['space'], locs: Map<string, SourceLocation>): Problem[] {
  const problems: Problem[] = [];
  for (const set of sets) {
    const eq = set.indexOf('=');
    if (eq < 0) continue;
    const segs = parseOverridePath(set.slice(0, eq), `--set ${set}`);
    for (const key of Object.keys(space)) {
      let keySegs: PathSegment[];
      try {
        keySegs = parseOverridePath(key, key);
      } catch {
        continue; // reported with the trials
      }
      if (!overlaps(segs, keySegs)) continue;
      const loc = locs.get(key);
      problems.push({ message: `--set ${set} collides with tune.space "${key}": the search sets that path for every trial; drop the --set, or remove the entry from the space`, ...(loc ? { loc } : {}) });
    }
  }
  return problems;
}

export interface PlanOptions {
  /** The search folder; `<root>/<name>/<timestamp>` when omitted. */
  out?: string;
  root?: string;
  /** `--set path=value` overrides applied to the config before the space. */
  sets?: readonly string[];
}

/**
 * A block argument that reads a shape (`units: ${input.shape[-1]}`) is computed when the model is
 * built; a trial's config file must hold the number, so the model is built once here (and freed).
 */
async function computeShapeArgs(cfg: KeratsConfig): Promise<void> {
  const specs = [cfg.model, ...Object.values(cfg.model.models ?? {})];
  if (!specs.some((s) => s.layers.some((l) => l.deferred))) return;
  const { buildModel } = await import('../model-builder.js');
  buildModel(cfg.model, { seed: 0 }).dispose();
}

/** Validates every trial and writes the search folder; returns the plan and the folder. */
export async function createPlan(file: string, opts: PlanOptions = {}): Promise<{ plan: Plan; dir: string }> {
  const sets = opts.sets ?? [];
  const base = await loadConfig(file, { sets });
  const text = await fs.readFile(file, 'utf8');
  const root = parseConfigText(text.replace(/^\uFEFF/, ''), file);
  const locs = spaceLocations(root);
  const tuneLoc = root.kind === 'map' ? root.entries.find((e) => e.key === 'tune')?.keyLoc : undefined;
  const spec = tuneSpec(base.resolved.tune, base.seed, locs, tuneLoc, tuneKeyLocations(root));
  const collisions = setCollisions(sets, spec.space, locs);
  if (collisions.length > 0) throw new ConfigError(collisions);
  const hb = spec.strategy === 'hyperband' ? hyperbandTrials(spec) : undefined;
  const trials: (Trial & { hyperband?: HyperbandSlot })[] = hb ? hb.trials : trialsOf(spec);
  // Hyperband's later rounds repeat round-0 configurations, so round 0 is what needs checking.
  const known = trials.filter((t) => !t.hyperband || t.hyperband.round === 0);
  const extra = (t: (typeof trials)[number]) => (t.hyperband ? [`fit.epochs=${t.hyperband.epochs}`] : []);

  // Every trial's config is checked now, so a bad value fails the search before minutes of training.
  const found: Relocated[] = [];
  const configs = new Map<number, KeratsConfig>();
  for (const t of known) {
    try {
      configs.set(t.index, await loadConfig(file, { sets: [...sets, ...setsOf(t.params), ...extra(t)] }));
    } catch (e) {
      if (!(e instanceof KeratsError)) throw e;
      found.push(...relocate(e, t.params));
    }
  }
  if (found.length > 0) throw new ConfigError(spaceProblems(found, known, locs));

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
    const tdir = trialDirName(t.index);
    const names = folds ? folds.map((_, k) => path.join(tdir, `fold-${k}.yaml`)) : [path.join(tdir, 'config.yaml')];
    planned.push({ ...t, configs: names });
    const cfg = configs.get(t.index);
    if (!cfg) continue; // a later hyperband round: its configs are written when it is decided
    await computeShapeArgs(cfg);
    const doc = standaloneConfig(cfg);
    await fs.mkdir(path.join(dir, tdir), { recursive: true });
    await writeFileAtomic(path.join(dir, tdir, 'config.yaml'), configHeader(t) + stringify(doc));
    if (folds) {
      for (const [k, f] of folds.entries()) {
        const data = { ...(doc.data as Json) };
        delete data.validation_split;
        data.train = { ...(data.train as Json), [/\.tsv$/.test(f.train) ? 'tsv' : 'csv']: f.train };
        data.validation = { ...(data.train as Json), [/\.tsv$/.test(f.validation) ? 'tsv' : 'csv']: f.validation };
        await writeFileAtomic(path.join(dir, tdir, `fold-${k}.yaml`), configHeader(t, k) + stringify({ ...doc, data }));
      }
    }
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
    ...(sets.length > 0 ? { sets: [...sets] } : {}),
    ...(hb ? { hyperband: hb.info } : {}),
    trials: planned,
    created: new Date().toISOString(),
  };
  await writeJsonAtomic(path.join(dir, PLAN_FILE), plan);
  return { plan, dir };
}

export function trialDirName(index: number): string {
  return `trial-${String(index).padStart(3, '0')}`;
}

/** The comment block atop a trial's config file: which trial, fold and parameters it is. */
export function configHeader(t: Trial, fold?: number): string {
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
