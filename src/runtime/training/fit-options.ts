/** The config's `fit` arguments that the training loop takes, resolved against the loaded data. */
import type { FitSpec } from '../../config/types.js';
import { ConfigError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import type { PreprocessingState } from '../data/types.js';
import type { TrainOptions } from './types.js';

/**
 * `class_weight` keys are class ids (`0`, `1`) or class names from the labels (`cat`), as the
 * label vocabulary (`preprocessing.classes`) gives them; names win over ids when a label is
 * itself a number-like string.
 */
export function resolveClassWeight(cw: Record<string, number>, classes: readonly string[] | undefined): Record<number, number> {
  const out: Record<number, number> = {};
  for (const [key, w] of Object.entries(cw)) {
    const byName = classes?.indexOf(key) ?? -1;
    if (byName >= 0) {
      out[byName] = w;
      continue;
    }
    if (/^\d+$/.test(key) && (!classes || Number(key) < classes.length)) {
      out[Number(key)] = w;
      continue;
    }
    const known = classes ? `; the classes are ${classes.map((c, i) => `${i} ("${c}")`).join(', ')}` : '';
    throw new ConfigError(`fit.class_weight: "${key}" is neither a class id nor a class name${known}${classes ? didYouMean(key, classes) : ''}`);
  }
  return out;
}

/** TrainOptions fields from `fit` (steps per epoch, validation frequency, class weights, start epoch). */
export function fitTrainOptions(fit: FitSpec, preprocessing?: PreprocessingState): Partial<TrainOptions> {
  const out: Partial<TrainOptions> = {};
  if (fit.initialEpoch !== undefined) out.initialEpoch = fit.initialEpoch;
  if (fit.stepsPerEpoch !== undefined) out.stepsPerEpoch = fit.stepsPerEpoch;
  if (fit.validationFreq !== undefined) out.validationFreq = fit.validationFreq;
  if (fit.classWeight) out.classWeight = resolveClassWeight(fit.classWeight, preprocessing?.classes);
  return out;
}
