/** The optional Keras `fit` arguments of the normalised document → FitSpec fields (kept out when absent). */
import type { FitSpec } from './types.js';

type Extras = Pick<FitSpec, 'initialEpoch' | 'stepsPerEpoch' | 'validationFreq' | 'classWeight' | 'verbose'>;

export function fitExtras(fit: Record<string, unknown>): Extras {
  const out: Extras = {};
  if (typeof fit.initial_epoch === 'number') out.initialEpoch = fit.initial_epoch;
  if (typeof fit.steps_per_epoch === 'number') out.stepsPerEpoch = fit.steps_per_epoch;
  const vf = fit.validation_freq;
  if (typeof vf === 'number' || Array.isArray(vf)) out.validationFreq = vf as number | number[];
  const cw = fit.class_weight;
  if (typeof cw === 'object' && cw !== null && !Array.isArray(cw)) out.classWeight = cw as Record<string, number>;
  const v = fit.verbose;
  if (v === 0 || v === 1 || v === 2 || v === 'auto') out.verbose = v;
  return out;
}
