/**
 * Rules the schema cannot say (or cannot say readably): choices between keys. Run on the
 * normalised document next to schema validation, so all problems are reported together.
 */
import type { Problem } from '../util/errors.js';
import type { Json, JsonObject, Normalized } from './normalize.js';
import { lambdaProblems } from '../runtime/expr/check-config.js';

const isObj = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function checkRules(norm: Normalized): Problem[] {
  // Lambda expressions are parsed here so a bad one is reported with the other config problems.
  const problems: Problem[] = [...lambdaProblems(norm)];
  const keyLoc = (ptr: string) => norm.locs.get(ptr)?.key ?? norm.locs.get(ptr)?.value;
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
