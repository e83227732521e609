/**
 * Binds a compile section's per-output settings to the built model's outputs, as Keras 3's
 * `compile` does: `loss` and `metrics` given as lists (one entry per output, in `model.outputs`
 * order) become maps by output layer name, and every list length and map key is checked against
 * the outputs. Problems are reported at the user's text (compile.at), all at once, exit 2.
 *
 * Kept free of tfjs: callers pass the output names (outputNamesOf in runtime/training/outputs.ts).
 */
import type { Problem } from '../util/errors.js';
import { ConfigError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import type { BoundCompileSpec, CompileSpec, LossRef, MetricRef, SourceLocation } from './types.js';
import { childPath } from './locate.js';

const quote = (xs: readonly string[]): string => xs.map((x) => `"${x}"`).join(', ');
const isLossEntry = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { type?: unknown }).type === 'string' && typeof (v as { args?: unknown }).args === 'object';

/** `2 losses` / `1 loss`. */
function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** The compile section with lists turned into maps by output name; throws ConfigError (all problems) when it does not fit the outputs. */
export function bindOutputs(compile: CompileSpec, names: readonly string[]): BoundCompileSpec {
  const problems: Problem[] = [];
  const at = (path: string): SourceLocation | undefined => compile.at?.[path] ?? compile.at?.[path.replace(/[.[].*$/, '')];
  const outputs = `the model has ${count(names.length, 'output')} (${quote(names)})`;
  const lengthProblem = (what: string, n: number, noun: string, plural?: string): void => {
    problems.push({
      message: `compile.${what}: the list has ${count(n, noun, plural)} but ${outputs}; give one per output, in this order, or a map by output name`,
      loc: at(what),
    });
  };
  const keyProblems = (what: string, keys: string[]): void => {
    for (const k of keys) {
      if (names.includes(k)) continue;
      problems.push({
        message: `compile.${what}: the model has no output named "${k}"; its outputs are ${quote(names)}${didYouMean(k, names)}`,
        loc: at(childPath(what, k)),
      });
    }
  };

  // loss: one for all, a list in output order, or a map that names every output (as Keras 3 requires).
  let loss: BoundCompileSpec['loss'];
  if (Array.isArray(compile.loss)) {
    const list: LossRef[] = compile.loss;
    if (list.length !== names.length) lengthProblem('loss', list.length, 'loss', 'losses');
    loss = Object.fromEntries(names.map((n, i) => [n, list[i] ?? (list[0] as LossRef)]));
  } else loss = compile.loss;
  if (typeof loss === 'object' && !isLossEntry(loss)) {
    const map = loss as Record<string, LossRef>;
    keyProblems('loss', Object.keys(map));
    const missing = names.filter((n) => map[n] === undefined);
    if (!Array.isArray(compile.loss) && missing.length > 0 && Object.keys(map).every((k) => names.includes(k))) {
      problems.push({
        message: `compile.loss: no loss for the output${missing.length === 1 ? '' : 's'} ${quote(missing)}; the map must name every output (${quote(names)})`,
        loc: at('loss'),
      });
    }
  }

  const lw = compile.lossWeights;
  if (Array.isArray(lw) && lw.length !== names.length) lengthProblem('loss_weights', lw.length, 'weight');
  if (lw && !Array.isArray(lw)) keyProblems('loss_weights', Object.keys(lw));

  // metrics: a flat list is every output's; a list of lists is one list per output (Keras 3).
  let metrics: BoundCompileSpec['metrics'];
  const m = compile.metrics;
  if (Array.isArray(m) && m.some(Array.isArray)) {
    if (!m.every(Array.isArray)) {
      problems.push({ message: 'compile.metrics: a list of lists has one list per output; write every output\'s metrics as a list (`[[accuracy], [mae]]`), or use a map by output name', loc: at('metrics') });
    }
    const lists = m.map((x) => (Array.isArray(x) ? x : [x]));
    if (lists.length !== names.length) lengthProblem('metrics', lists.length, 'list');
    metrics = Object.fromEntries(names.map((n, i) => [n, lists[i] ?? []]));
  } else {
    metrics = m as MetricRef[] | Record<string, MetricRef[]>;
    if (!Array.isArray(metrics)) keyProblems('metrics', Object.keys(metrics));
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return { ...compile, loss, metrics };
}
