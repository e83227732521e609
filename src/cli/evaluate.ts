/**
 * `kerats evaluate RUN_DIR`: the run's model on its test set (else validation set, or --data), with
 * quality gates for CI: `--fail-under accuracy=0.9` (at least), `--fail-over loss=0.5` (at most).
 * A missed gate exits 3 after printing the result, so the numbers are in the CI log either way.
 */
import type { Command } from 'commander';
import type { BackendChoice } from '../runtime/backend.js';
import type { Threshold } from '../runtime/evaluate-run.js';
import { ExitCode } from '../util/errors.js';
import { example, outputFor, withBackendOption, withOutputOptions, type CommonOptions } from './common.js';

interface EvaluateOptions extends CommonOptions {
  backend: BackendChoice;
  data?: string;
  failUnder: string[];
  failOver: string[];
  batchSize?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerEvaluate(program: Command): void {
  withBackendOption(withOutputOptions(program.command('evaluate')))
    .argument('<run_dir>', 'a run folder written by kerats train (or a Keras .keras / .h5 file, with --data CONFIG)')
    .option('--data <file>', 'evaluate on this table (CSV/TSV/JSON with the label column; the run\'s preprocessing is applied) or on the test/validation data of this config')
    .option('--fail-under <metric=value>', 'exit 3 when the metric is below value (repeatable), e.g. accuracy=0.9', collect, [])
    .option('--fail-over <metric=value>', 'exit 3 when the metric is above value (repeatable; for losses), e.g. loss=0.5', collect, [])
    .option('--batch-size <n>', 'batch size for evaluation (default: the run\'s fit.batch_size)')
    .description('evaluate a trained run on its test set (or validation set, or --data) and gate on the metrics')
    .addHelpText(
      'after',
      example('kerats evaluate runs/iris/latest', 'kerats evaluate runs/iris/latest --data data/iris.csv --json --fail-under accuracy=0.9 --fail-over loss=0.5') +
        '\nExit codes: 0 all gates passed, 2 bad usage or data, 3 a --fail-under/--fail-over gate was missed.\n',
    )
    .action(async (dir: string, opts: EvaluateOptions) => {
      const out = outputFor(opts);
      const { evaluateRun, parseThreshold } = await import('../runtime/evaluate-run.js');
      const gates: Threshold[] = [
        ...opts.failUnder.map((t) => parseThreshold(t, '>=', '--fail-under')),
        ...opts.failOver.map((t) => parseThreshold(t, '<=', '--fail-over')),
      ];
      const batchSize = opts.batchSize !== undefined ? Number(opts.batchSize) : undefined;
      const result = await evaluateRun(dir, { data: opts.data, backend: opts.backend, gates, ...(batchSize && batchSize > 0 ? { batchSize } : {}) });
      out.result(result, () => {
        const lines = [`Evaluated on ${result.data} (${result.samples} samples, ${result.backend})`];
        for (const [k, v] of Object.entries(result.metrics)) lines.push(`  ${k}: ${v.toFixed(4)}`);
        for (const g of result.gates) lines.push(gateLine(g));
        return lines.join('\n') + '\n';
      });
      const failed = result.gates.filter((g) => !g.passed);
      if (failed.length > 0) {
        process.stderr.write(`quality gate failed: ${failed.map((g) => gateLine(g).replace(/^FAIL: /, '')).join('; ')}\n`);
        process.exitCode = ExitCode.qualityGate;
      }
    });
}

/**
 * One gate, saying what was found and what was required:
 * `pass: accuracy 0.9667 (required >= 0.9)`, `FAIL: accuracy 0.9667 < required 0.99`,
 * `FAIL: loss 0.6123 > allowed 0.5`.
 */
export function gateLine(g: { metric: string; actual: number; op: string; value: number; passed: boolean }): string {
  const found = `${g.metric} ${g.actual.toFixed(4)}`;
  if (g.passed) return `pass: ${found} (required ${g.op} ${g.value})`;
  return g.op === '>=' ? `FAIL: ${found} < required ${g.value}` : `FAIL: ${found} > allowed ${g.value}`;
}
