/**
 * Rules the schema cannot say (or cannot say readably): choices between keys. Run on the
 * normalised document next to schema validation, so all problems are reported together.
 */
import type { Problem } from '../util/errors.js';
import type { Json, JsonObject, Normalized } from './normalize.js';
import { lambdaProblems } from '../runtime/expr/check-config.js';
import { FIT_DEFAULTS } from './schema.js';

const isObj = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function checkRules(norm: Normalized): Problem[] {
  // Lambda expressions are parsed here so a bad one is reported with the other config problems.
  const problems: Problem[] = [...lambdaProblems(norm)];
  const keyLoc = (ptr: string) => norm.locs.get(ptr)?.key ?? norm.locs.get(ptr)?.value;
  problems.push(...initialEpochProblems(norm.doc.fit, keyLoc));
  const data = norm.doc.data;
  if (!isObj(data)) return problems;

  if (data.validation !== undefined && data.validation_split !== undefined) {
    problems.push({ message: 'give either data.validation or data.validation_split, not both', loc: keyLoc('/data/validation') });
  }
  for (const part of ['train', 'validation', 'test']) {
    const source = data[part];
    if (!isObj(source) || !isObj(source.synthetic)) continue;
    const s = source.synthetic;
    const ptr = `/data/${part}/synthetic`;
    if (s.inputs === undefined && s.x_shape === undefined) {
      problems.push({ message: `synthetic data in data.${part} needs "x_shape" (or "inputs" by input name, for functional models)`, loc: keyLoc(ptr) });
    }
    if (s.outputs !== undefined) continue; // named outputs say their own targets
    if (s.classes === undefined && s.y_shape === undefined) {
      problems.push({ message: `synthetic data in data.${part} needs "classes" (classification) or "y_shape" (regression)`, loc: keyLoc(ptr) });
    } else if (s.classes !== undefined && s.y_shape !== undefined) {
      problems.push({ message: `synthetic data in data.${part} takes "classes" (classification) or "y_shape" (regression), not both`, loc: keyLoc(`${ptr}/y_shape`) });
    }
  }
  return problems;
}

/**
 * Keras trains epochs initial_epoch..epochs-1, so `initial_epoch >= epochs` would train nothing
 * (Keras silently returns an empty history); kerats says so instead.
 */
function initialEpochProblems(fit: Json | undefined, keyLoc: (ptr: string) => Problem['loc']): Problem[] {
  if (!isObj(fit) || typeof fit.initial_epoch !== 'number') return [];
  const epochs = typeof fit.epochs === 'number' ? fit.epochs : FIT_DEFAULTS.epochs;
  if (fit.initial_epoch < epochs) return [];
  return [{
    message: `fit.initial_epoch is ${fit.initial_epoch} but fit.epochs is ${epochs}: training runs epochs initial_epoch..epochs-1 (0-based, as in Keras), so nothing would be trained; ` +
      `set initial_epoch below ${epochs} or raise epochs (to train ${epochs} more epochs from epoch ${fit.initial_epoch}, set epochs: ${fit.initial_epoch + epochs})`,
    loc: keyLoc('/fit/initial_epoch'),
  }];
}
