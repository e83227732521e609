/**
 * Hyperband (Li & Jamieson, JMLR 2018) with KerasTuner's arithmetic (`HyperbandOracle`): brackets
 * s_max..0 where s_max + 1 = how often max_epochs divides by `factor` down to 1 epoch; bracket b
 * has b + 1 rounds; round r trains `size(b, r)` configurations for `epochs(b, r)` epochs, and each
 * round after the first keeps the best `size(b, r)` of the previous round (successive halving).
 *
 * Round 0 of every bracket is sampled up front (seeded), so planning it needs no results; a later
 * round's configurations are only known once its previous round finished (promote.ts).
 * Trials are numbered wave by wave (wave r = round r of every bracket) so each wave is one
 * contiguous range of trial indices: a scale-out job per wave (emit.ts).
 */
import { Prng } from '../../util/prng.js';
import { sample, type Trial, type TuneSpec } from './space.js';

/** Where one trial sits in the schedule. */
export interface HyperbandSlot {
  iteration: number;
  bracket: number;
  round: number;
  /** Epochs this trial trains (from scratch, with the configuration's seed). */
  epochs: number;
  /** Round > 0: this trial trains the `slot`-th best configuration of `previous` (0 = the best). */
  slot: number;
  previous?: number[];
}

export interface HyperbandRound {
  round: number;
  epochs: number;
  trials: number[];
}

export interface HyperbandBracket {
  iteration: number;
  bracket: number;
  rounds: HyperbandRound[];
}

export interface HyperbandInfo {
  max_epochs: number;
  factor: number;
  iterations: number;
  brackets: HyperbandBracket[];
  /** Trial index ranges [start, end) of each wave. */
  waves: { start: number; end: number }[];
}

/** KerasTuner's `_get_num_brackets`: how many times max_epochs divides by factor while ≥ 1 epoch. */
export function bracketCount(maxEpochs: number, factor: number): number {
  let epochs = maxEpochs;
  let n = 0;
  while (epochs >= 1) {
    epochs /= factor;
    n++;
  }
  return n;
}

/** KerasTuner's `_get_size`: configurations in round `round` of bracket `bracket`. */
export function roundSize(maxEpochs: number, factor: number, bracket: number, round: number): number {
  const end0 = Math.ceil(1 + logBase(maxEpochs, factor));
  return Math.ceil((end0 / (bracket + 1)) * factor ** (bracket - round));
}

/**
 * log_factor(x), exact when x is a power of factor. Math.log(9) / Math.log(3) is 2.0000000000000004
 * in V8, which would add a configuration to every bracket; KerasTuner's Python float (math.log
 * on the platform's libm) happens to give 2.0 there but 3.0000000000000004 for 27 and 3: an exact
 * power is what the formula means, so powers are counted exactly.
 */
export function logBase(x: number, factor: number): number {
  let k = 0;
  for (let p = 1; p < x; p *= factor) k++;
  return factor ** k === x ? k : Math.log(x) / Math.log(factor);
}

/** KerasTuner's `_get_epochs`: epochs of round `round` of bracket `bracket`. */
export function roundEpochs(maxEpochs: number, factor: number, bracket: number, round: number): number {
  return Math.ceil(maxEpochs / factor ** (bracket - round));
}

/** Distinct draws KerasTuner tries before giving up on a new configuration (`_max_collisions`). */
const MAX_COLLISIONS = 20;

/**
 * The search's trials: round 0 of each bracket with seeded, distinct samples of the space; later
 * rounds as empty slots filled by promotion. Brackets run s_max first, as in KerasTuner.
 */
export function hyperbandTrials(spec: TuneSpec): { trials: (Trial & { hyperband: HyperbandSlot })[]; info: HyperbandInfo } {
  const maxEpochs = spec.max_epochs ?? 1;
  const factor = spec.factor ?? 3;
  const iterations = spec.hyperband_iterations ?? 1;
  const keys = Object.keys(spec.space);
  const rng = new Prng(spec.seed);
  const seen = new Set<string>();
  const draw = (): Record<string, unknown> | undefined => {
    for (let attempt = 0; attempt <= MAX_COLLISIONS; attempt++) {
      const params: Record<string, unknown> = {};
      for (const k of keys) params[k] = sample(spec.space[k] ?? [], rng);
      const id = JSON.stringify(params);
      if (!seen.has(id)) {
        seen.add(id);
        return params;
      }
    }
    return undefined;
  };
  // Sampling order (iteration, bracket s_max..0, slot) fixes which configuration is which.
  const planned: { iteration: number; bracket: number; configs: Record<string, unknown>[]; sizes: number[] }[] = [];
  const sMax = bracketCount(maxEpochs, factor) - 1;
  for (let iteration = 0; iteration < iterations; iteration++) {
    for (let b = sMax; b >= 0; b--) {
      const configs: Record<string, unknown>[] = [];
      for (let j = 0; j < roundSize(maxEpochs, factor, b, 0); j++) {
        const p = draw();
        if (p) configs.push(p);
      }
      // A small finite space runs out of new configurations: the bracket shrinks instead of repeating one.
      if (configs.length === 0) continue;
      const sizes = [configs.length];
      for (let r = 1; r <= b; r++) sizes.push(Math.min(roundSize(maxEpochs, factor, b, r), sizes[r - 1] ?? 0));
      planned.push({ iteration, bracket: b, configs, sizes });
    }
  }
  const brackets: HyperbandBracket[] = planned.map((p) => ({ iteration: p.iteration, bracket: p.bracket, rounds: [] }));
  const trials: (Trial & { hyperband: HyperbandSlot })[] = [];
  const waves: { start: number; end: number }[] = [];
  for (let wave = 0; wave <= sMax; wave++) {
    const start = trials.length;
    planned.forEach((p, i) => {
      const size = p.sizes[wave];
      const bracket = brackets[i];
      if (size === undefined || !bracket) return;
      const epochs = roundEpochs(maxEpochs, factor, p.bracket, wave);
      const previous = bracket.rounds[wave - 1]?.trials;
      const round: HyperbandRound = { round: wave, epochs, trials: [] };
      for (let slot = 0; slot < size; slot++) {
        const index = trials.length;
        const hyperband: HyperbandSlot = { iteration: p.iteration, bracket: p.bracket, round: wave, epochs, slot, ...(previous ? { previous } : {}) };
        trials.push({ index, params: wave === 0 ? (p.configs[slot] ?? {}) : {}, hyperband });
        round.trials.push(index);
      }
      bracket.rounds.push(round);
    });
    if (trials.length > start) waves.push({ start, end: trials.length });
  }
  return { trials, info: { max_epochs: maxEpochs, factor, iterations, brackets, waves } };
}
