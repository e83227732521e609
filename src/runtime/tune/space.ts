/**
 * The `tune:` section: which metric ranks trials, and the list of trials a grid or a seeded random
 * search produces (hyperband's brackets are in hyperband.ts). Each trial is a set of config paths
 * (the `--set` syntax) with values.
 */
import { ConfigError, type Problem } from '../../util/errors.js';
import { Prng } from '../../util/prng.js';
import type { SourceLocation } from '../../config/types.js';
import type { LNode } from '../../config/locate.js';

export type Distribution = { uniform: [number, number] } | { log_uniform: [number, number] } | { int_uniform: [number, number] };
export type SpaceEntry = unknown[] | Distribution;

export interface TuneSpec {
  metric: string;
  mode: 'min' | 'max';
  strategy: 'grid' | 'random' | 'hyperband';
  trials?: number;
  seed: number;
  cv?: number;
  /** Hyperband: the most epochs one configuration trains, the reduction factor, full sweeps. */
  max_epochs?: number;
  factor?: number;
  hyperband_iterations?: number;
  space: Record<string, SpaceEntry>;
}

export interface Trial {
  index: number;
  /** Config path → value, in the order the space lists them. */
  params: Record<string, unknown>;
}

/** Accuracy-like metrics are maximised, everything else (losses, errors) minimised. */
export function inferMode(metric: string): 'min' | 'max' {
  return /acc|auc|precision|recall|f1|r2|iou/i.test(metric) ? 'max' : 'min';
}

/** Where `tune.space.<path>` is written, for errors about one space entry. */
export function spaceLocations(root: LNode): Map<string, SourceLocation> {
  const out = new Map<string, SourceLocation>();
  const get = (n: LNode | undefined, key: string): LNode | undefined => (n?.kind === 'map' ? n.entries.find((e) => e.key === key)?.value : undefined);
  const space = get(get(root, 'tune'), 'space');
  if (space?.kind === 'map') for (const e of space.entries) out.set(e.key, e.keyLoc);
  return out;
}

/** Where each key of the `tune:` section is written (`strategy`, `max_epochs`, ...). */
export function tuneKeyLocations(root: LNode): Map<string, SourceLocation> {
  const out = new Map<string, SourceLocation>();
  const tune = root.kind === 'map' ? root.entries.find((e) => e.key === 'tune')?.value : undefined;
  if (tune?.kind === 'map') for (const e of tune.entries) out.set(e.key, e.keyLoc);
  return out;
}

/** The `tune` section of a resolved config (already schema-checked) with defaults filled. */
export function tuneSpec(raw: unknown, configSeed: number | undefined, locs: Map<string, SourceLocation>, tuneLoc?: SourceLocation, keyLocs: Map<string, SourceLocation> = new Map()): TuneSpec {
  if (typeof raw !== 'object' || raw === null) {
    throw new ConfigError({ message: 'this config has no `tune:` section; add one with a `space:` to search (see README, "Hyperparameter search")', ...(tuneLoc ? { loc: tuneLoc } : {}) });
  }
  const t = raw as Record<string, unknown>;
  const metric = typeof t.metric === 'string' ? t.metric : 'val_loss';
  const strategy = t.strategy === 'random' || t.strategy === 'hyperband' ? t.strategy : 'grid';
  const space = (t.space ?? {}) as Record<string, SpaceEntry>;
  const problems: Problem[] = [];
  const at = (key: string) => {
    const loc = keyLocs.get(key) ?? tuneLoc;
    return loc ? { loc } : {};
  };
  // Keys that belong to another strategy are mistakes, not silently ignored settings.
  for (const key of ['max_epochs', 'factor', 'hyperband_iterations']) {
    if (t[key] !== undefined && strategy !== 'hyperband') problems.push({ message: `tune.${key} applies to strategy: hyperband (this search is strategy: ${strategy}); remove it or set strategy: hyperband`, ...at(key) });
  }
  if (t.trials !== undefined && strategy !== 'random') {
    const why = strategy === 'hyperband' ? "hyperband's trial count follows from max_epochs and factor" : 'a grid runs every combination';
    problems.push({ message: `tune.trials applies to strategy: random (${why}); remove it`, ...at('trials') });
  }
  if (strategy === 'hyperband') {
    if (typeof t.max_epochs !== 'number') problems.push({ message: 'strategy: hyperband needs `max_epochs:` (the most epochs one configuration trains), e.g. max_epochs: 27', ...at('strategy') });
    if (space['fit.epochs'] !== undefined) {
      const loc = locs.get('fit.epochs');
      problems.push({ message: 'tune.space "fit.epochs": hyperband chooses each trial\'s epochs itself (up to max_epochs); remove fit.epochs from the space', ...(loc ? { loc } : {}) });
    }
  }
  if (strategy === 'grid') {
    for (const [p, v] of Object.entries(space)) {
      if (!Array.isArray(v)) {
        const loc = locs.get(p);
        problems.push({ message: `"${p}": a distribution (${Object.keys(v).join(', ')}) needs strategy: random or hyperband; a grid needs a list of values, like [32, 64]`, ...(loc ? { loc } : {}) });
      }
    }
  }
  if (strategy === 'random' && typeof t.trials !== 'number') problems.push({ message: 'strategy: random needs `trials:` (how many samples to draw), e.g. trials: 20', ...(tuneLoc ? { loc: tuneLoc } : {}) });
  for (const [p, v] of Object.entries(space)) {
    if (Array.isArray(v)) continue;
    const [lo, hi] = Object.values(v)[0] as [number, number];
    if (!(lo < hi)) {
      const loc = locs.get(p);
      problems.push({ message: `"${p}": the range [${lo}, ${hi}] is empty; write [low, high] with low < high`, ...(loc ? { loc } : {}) });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const spec: TuneSpec = {
    metric,
    mode: t.mode === 'min' || t.mode === 'max' ? t.mode : inferMode(metric),
    strategy,
    seed: typeof t.seed === 'number' ? t.seed : configSeed ?? 0,
    space,
  };
  if (typeof t.trials === 'number') spec.trials = t.trials;
  if (typeof t.cv === 'number') spec.cv = t.cv;
  if (strategy === 'hyperband') {
    spec.max_epochs = t.max_epochs as number;
    spec.factor = typeof t.factor === 'number' ? t.factor : 3;
    spec.hyperband_iterations = typeof t.hyperband_iterations === 'number' ? t.hyperband_iterations : 1;
  }
  return spec;
}

/** Every combination (grid; the last path varies fastest) or `trials` seeded samples (random). */
export function trialsOf(spec: TuneSpec): Trial[] {
  const keys = Object.keys(spec.space);
  if (spec.strategy === 'grid') {
    let combos: Record<string, unknown>[] = [{}];
    for (const k of keys) {
      const values = spec.space[k] as unknown[];
      combos = combos.flatMap((c) => values.map((v) => ({ ...c, [k]: v })));
    }
    return combos.map((params, index) => ({ index, params }));
  }
  const rng = new Prng(spec.seed);
  const out: Trial[] = [];
  for (let index = 0; index < (spec.trials ?? 1); index++) {
    const params: Record<string, unknown> = {};
    for (const k of keys) params[k] = sample(spec.space[k] as SpaceEntry, rng);
    out.push({ index, params });
  }
  return out;
}

export function sample(e: SpaceEntry, rng: Prng): unknown {
  if (Array.isArray(e)) return e[rng.int(e.length)];
  if ('uniform' in e) return e.uniform[0] + rng.next() * (e.uniform[1] - e.uniform[0]);
  if ('log_uniform' in e) {
    const [lo, hi] = e.log_uniform;
    // Rounded to 4 significant digits so trial tables and configs stay readable.
    return Number(Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo))).toPrecision(4));
  }
  const [lo, hi] = e.int_uniform;
  return lo + rng.int(hi - lo + 1);
}

/** `--set` arguments that apply a trial's parameters (values as JSON, which is YAML). */
export function setsOf(params: Record<string, unknown>): string[] {
  return Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
}
