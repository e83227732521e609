/**
 * `kerats predict RUN_DIR INPUT`: applies a run's saved preprocessing and model to new data and
 * writes one output row per input row (CSV, JSON or NDJSON by the output file's extension).
 */
import type { Command } from 'commander';
import type { BackendChoice } from '../runtime/backend.js';
import { ConfigError } from '../util/errors.js';
import { example, outputFor, withBackendOption, withOutputOptions, type CommonOptions } from './common.js';

interface PredictCliOptions extends CommonOptions {
  backend: BackendChoice;
  out?: string;
  batchSize: string;
  idColumn?: string[];
  skipBadRows?: boolean;
  layer?: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerPredict(program: Command): void {
  withBackendOption(withOutputOptions(program.command('predict')))
    .argument('<run_dir>', 'run folder written by `kerats train` (model.json, preprocessing.json), or a Keras .keras / .h5 file')
    .argument('<input>', 'data to predict: a CSV/TSV/JSON/NDJSON file (- for stdin), an image or image folder, or an .npy/.npz/IDX file')
    .option('-o, --out <file>', 'output file: .csv, .json or .ndjson (default: CSV on stdout, or with --json one JSON document with the predictions; - for stdout)')
    .option('--batch-size <n>', 'samples per prediction batch', '32')
    .option('--id-column <col>', 'copy this input column into the output (repeatable)', collect)
    .option('--skip-bad-rows', 'skip rows that cannot be read or encoded (and count them) instead of stopping')
    .option('--layer <name>', "write this layer's activations instead of the model's predictions")
    .description("predict with a trained model: the run's preprocessing is applied to the input exactly as in training")
    .addHelpText(
      'after',
      example(
        'kerats predict runs/iris/latest data/iris.csv -o predictions.csv',
        'cat rows.csv | kerats predict runs/iris/latest - --id-column id > out.csv',
        'kerats predict runs/iris/latest data/iris.csv --json | jq .predictions[0]',
      ),
    )
    .action(async (runDir: string, input: string, opts: PredictCliOptions) => {
      const toStdout = opts.out === undefined || opts.out === '-';
      // --json to stdout: one JSON document holding the predictions; plain stdout: the CSV rows alone.
      const out = outputFor({ ...opts, quiet: opts.quiet || (toStdout && !opts.json) });
      const batchSize = Number(opts.batchSize);
      if (!Number.isInteger(batchSize) || batchSize <= 0) {
        throw new ConfigError(`--batch-size must be a positive integer, got ${JSON.stringify(opts.batchSize)}`);
      }
      const { useBackend } = await import('../runtime/backend.js');
      const { runPredict } = await import('../runtime/data/predict-run.js');
      await useBackend(opts.backend);
      const result = await runPredict({
        runDir,
        input,
        ...(opts.out !== undefined ? { out: opts.out } : {}),
        batchSize,
        idColumns: opts.idColumn ?? [],
        skipBadRows: opts.skipBadRows === true,
        ...(opts.layer !== undefined ? { layer: opts.layer } : {}),
        collect: toStdout && opts.json === true,
      });
      if (result.skipped > 0) {
        process.stderr.write(`skipped ${result.skipped} bad row${result.skipped === 1 ? '' : 's'}:\n${result.skipped_reasons.map((r) => `  ${r}`).join('\n')}\n`);
      }
      if (result.output !== '-' || opts.json) out.result(result, () => `Wrote ${result.rows} predictions to ${result.output}\n`);
    });
}
