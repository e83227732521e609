/**
 * What training needs that a model-only file (just `model:`) lacks. `summary`, `validate`,
 * `plot-model` and `export` take such a file; `train`, `tune` and `profile` call this first.
 */
import { ConfigError } from '../util/errors.js';
import type { KeratsConfig } from './types.js';

const EXAMPLES: Record<'compile' | 'data', string> = {
  compile: 'compile: {optimizer: adam, loss: mse}',
  data: 'data: {train: {csv: train.csv, label: y}}   (or {synthetic: {samples: 256}})',
};

/** Throws a ConfigError (exit 2) naming every section `command` needs and the config lacks. */
export function requireTrainingSections(config: KeratsConfig, command: string, needs: ('compile' | 'data')[] = ['compile', 'data']): void {
  const missing = (config.missing ?? []).filter((k) => needs.includes(k));
  if (missing.length === 0) return;
  const what = missing.map((k) => `"${k}:"`).join(' and ');
  throw new ConfigError({
    message: `\`kerats ${command}\` needs ${what}, which this model-only file lacks; add ${missing.length === 1 ? 'it' : 'them'}, e.g.\n` +
      missing.map((k) => `  ${EXAMPLES[k]}`).join('\n'),
    loc: { file: config.file, line: 1, col: 1 },
  });
}
