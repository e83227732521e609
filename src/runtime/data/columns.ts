/**
 * Which CSV columns are features and which is the label: from the config for training, from the
 * saved preprocessing state for everything after (so feature order never depends on a new file's
 * column order).
 */
import type { SourceLocation } from '../../config/types.js';
import { DataError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import type { CsvPlan } from './csv.js';

function columnList(header: string[]): string {
  return header.map((h) => JSON.stringify(h)).join(', ');
}

function missingColumn(file: string, what: string, name: string, header: string[], loc: SourceLocation | undefined): DataError {
  return new DataError({
    message: `${file} has no ${what} column "${name}" (its columns are ${columnList(header)})${didYouMean(name, header)}`,
    loc,
  });
}

/**
 * Training: the label named in the config, the listed features or else every other column in file
 * order. A sample-weight column (`weight`) is kept as the plan's one text column, never a feature.
 */
export function trainingPlan(
  header: string[],
  file: string,
  label: string,
  features: string[] | undefined,
  loc: SourceLocation | undefined,
  weight?: string,
): CsvPlan & { featureNames: string[] } {
  const labelIndex = header.indexOf(label);
  if (labelIndex < 0) throw missingColumn(file, 'label', label, header, loc);
  const weightIndex = weight === undefined ? -1 : header.indexOf(weight);
  if (weight !== undefined && weightIndex < 0) throw missingColumn(file, 'sample_weight', weight, header, loc);
  if (weight === label) throw new DataError({ message: `${file}: column "${weight}" is the label, so it cannot also be the sample_weight column`, loc });
  let featureNames: string[];
  if (features) {
    const seen = new Set<string>();
    for (const f of features) {
      if (!header.includes(f)) throw missingColumn(file, 'feature', f, header, loc);
      if (f === label) {
        throw new DataError({ message: `${file}: column "${f}" is the label, so it cannot also be a feature`, loc });
      }
      if (f === weight) throw new DataError({ message: `${file}: column "${f}" is the sample_weight column, so it cannot also be a feature`, loc });
      if (seen.has(f)) throw new DataError({ message: `${file}: feature column "${f}" is listed twice`, loc });
      seen.add(f);
    }
    featureNames = features;
  } else {
    featureNames = header.filter((_, i) => i !== labelIndex && i !== weightIndex);
  }
  if (featureNames.length === 0) {
    throw new DataError({ message: `${file} has no feature columns (only the label column "${label}")`, loc });
  }
  return { features: featureNames.map((f) => header.indexOf(f)), label: labelIndex, ...(weightIndex >= 0 ? { strings: [weightIndex] } : {}), featureNames };
}

/**
 * Later files (validation, test, evaluate, predict): the saved features in the saved order; the
 * label when present, and an error when it is required but missing; the sample-weight column
 * (the plan's one text column) when the file has it.
 */
export function savedPlan(
  header: string[],
  file: string,
  features: string[],
  label: string | undefined,
  labelRequired: boolean,
  loc: SourceLocation | undefined,
  weight?: string,
): CsvPlan {
  const indices = features.map((f) => {
    const i = header.indexOf(f);
    if (i < 0) throw missingColumn(file, 'feature', f, header, loc);
    return i;
  });
  const labelIndex = label === undefined ? -1 : header.indexOf(label);
  if (labelRequired && labelIndex < 0) {
    if (label === undefined) throw new DataError({ message: `${file}: the model was trained without a label column`, loc });
    throw missingColumn(file, 'label', label, header, loc);
  }
  const weightIndex = weight === undefined ? -1 : header.indexOf(weight);
  return { features: indices, label: labelIndex, ...(weightIndex >= 0 ? { strings: [weightIndex] } : {}) };
}
