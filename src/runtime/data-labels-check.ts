/**
 * What `kerats validate` can know about the labels without reading or generating any data: the
 * shape each output's labels will have (synthetic outputs from `classes` / `y_shape` and the
 * output's loss; a table's label column gives one value per row) checked against the output's
 * shape and loss with the same rule training applies (targets-check.ts). So a config that
 * validates does not then fail in the first batch over a label shape.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BoundCompileSpec, DataSource, KeratsConfig } from '../config/types.js';
import { losses, lossRefFor, targetEncodingFor } from '../registry/losses.js';
import type { Problem } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { isMultiSynthetic, syntheticLabelShape } from './data/synthetic-multi.js';
import { outputNamesOf } from './training/outputs.js';
import { targetProblem } from './training/targets-check.js';

const quote = (xs: readonly string[]): string => xs.map((x) => `"${x}"`).join(', ');

/** Per output name, the per-sample label shape the source will give, or a problem; undefined where unknown until the data is read. */
function labelShapes(src: DataSource, names: string[], compile: BoundCompileSpec, part: string): { shapes: Record<string, number[] | undefined>; problems: Problem[] } {
  const encodingOf = (o: string) => (lossRefFor(compile.loss, o) ? targetEncodingFor(compile.loss, o) : 'regression');
  const shapes: Record<string, number[] | undefined> = {};
  const problems: Problem[] = [];
  if (src.kind === 'synthetic') {
    if (isMultiSynthetic(src) && src.outputs) {
      const given = Object.keys(src.outputs);
      // One output each side: the labels are one tensor, whatever the names (synthetic-multi.ts).
      const only = names.length === 1 && given.length === 1 ? src.outputs[given[0] ?? ''] : undefined;
      if (only) {
        const n = names[0] ?? '';
        shapes[n] = only.copyOf !== undefined ? src.inputs?.[only.copyOf]?.xShape : syntheticLabelShape(only, encodingOf(n));
        return { shapes, problems };
      }
      for (const k of given) {
        if (!names.includes(k)) problems.push({ message: `data.${part}.synthetic.outputs: the model has no output named "${k}"; its outputs are ${quote(names)}${didYouMean(k, names)}`, loc: src.loc });
      }
      for (const n of names) {
        const spec = src.outputs[n];
        if (!spec) {
          if (names.length > 1) problems.push({ message: `data.${part}.synthetic.outputs has no labels for the output "${n}"; give one entry per output (${quote(names)})`, loc: src.loc });
          continue;
        }
        shapes[n] = spec.copyOf !== undefined ? src.inputs?.[spec.copyOf]?.xShape : syntheticLabelShape(spec, encodingOf(n));
      }
      return { shapes, problems };
    }
    if (names.length > 1) {
      problems.push({ message: `data.${part}.synthetic gives labels for one output, but the model has ${names.length} outputs (${quote(names)}); give "outputs:" with each output's classes or y_shape by output name`, loc: src.loc });
      return { shapes, problems };
    }
    // The single-output source (data/index.ts): y_shape floats for regression, class ids for
    // binary and sparse losses, one-hot for categorical.
    const enc = encodingOf(names[0] ?? '');
    shapes[names[0] ?? ''] = enc === 'regression' ? (src.yShape ?? [1]) : enc === 'categorical' && src.classes !== undefined ? [src.classes] : [1];
    return { shapes, problems };
  }
  if (src.kind === 'csv' && !src.timeseries) {
    // One column per output: class ids or 0/1 or one float per row; one-hot width depends on the data.
    const columns = src.labels ?? (names.length === 1 ? { [names[0] ?? '']: src.label } : undefined);
    if (!columns) return { shapes, problems };
    for (const n of names) if (columns[n] !== undefined && encodingOf(n) !== 'categorical') shapes[n] = [1];
  }
  return { shapes, problems };
}

/** Problems with the training (and validation / test) labels against the model's outputs and their losses. */
export function labelProblems(model: tf.LayersModel, config: KeratsConfig, compile: BoundCompileSpec): Problem[] {
  if (!config.data || config.missing?.includes('compile')) return [];
  const names = outputNamesOf(model);
  const problems: Problem[] = [];
  const parts = [['train', config.data.train], ['validation', config.data.validation], ['test', config.data.test]] as const;
  for (const [part, src] of parts) {
    // Validation and test sources of a named synthetic source share its outputs (synthetic-multi.ts).
    if (!src || (part !== 'train' && isMultiSynthetic(config.data.train))) continue;
    const { shapes, problems: found } = labelShapes(src, names, compile, part);
    problems.push(...found);
    names.forEach((n, i) => {
      const shape = shapes[n];
      const ref = lossRefFor(compile.loss, n);
      const entry = ref === undefined ? undefined : losses.find(typeof ref === 'string' ? ref : ref.type);
      if (!shape || !entry) return;
      const which = names.length > 1 ? `data.${part} (output "${n}")` : `data.${part}`;
      const message = targetProblem(model.outputs[i]?.shape ?? [], entry, [null, ...shape], which);
      if (message) problems.push({ message, loc: src.loc });
    });
  }
  return problems;
}
