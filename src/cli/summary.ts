/** `kerats summary CONFIG|RUN_DIR|model.json`: the Keras `model.summary()` table. */
import type { Command } from 'commander';
import { useBackend, type BackendChoice } from '../runtime/backend.js';
import { formatSummary, summarize } from '../runtime/summary.js';
import { formatKeras3Summary } from '../runtime/summary-keras3.js';
import { ConfigError } from '../util/errors.js';
import { loadModelSource } from './model-source.js';
import { configLoadOptions, example, outputFor, withBackendOption, withConfigOptions, withOutputOptions, type CommonOptions, type ConfigOptions } from './common.js';

export function registerSummary(program: Command): void {
  withConfigOptions(withBackendOption(withOutputOptions(program.command('summary'))))
    .argument('<target>', 'a config file, a run folder, a TensorFlow.js model.json, or a Keras model.to_json() file')
    .option('--allow-plugins', 'load the ES modules the config lists under plugins: (they are code)')
    .option('--expand', 'also list the layers of nested models (Keras expand_nested=True)')
    .option('--format <layout>', 'keras3 (the box table Keras 3 prints; default) or keras2 (the Keras 2 layout)', 'keras3')
    .description('print the Keras model.summary() table: layers, output shapes and parameter counts')
    .addHelpText('after', example('kerats summary configs/mnist-mlp.yaml', 'kerats summary runs/iris/20261122-101500-000 --json'))
    .action(async (target: string, opts: CommonOptions & ConfigOptions & { backend: BackendChoice; allowPlugins?: boolean; expand?: boolean; format: string }) => {
      const out = outputFor(opts);
      if (opts.format !== 'keras3' && opts.format !== 'keras2') {
        throw new ConfigError(`--format must be keras3 or keras2, got "${opts.format}"`);
      }
      await useBackend(opts.backend);
      const { model, name } = await loadModelSource(target, { config: configLoadOptions(opts), allowPlugins: opts.allowPlugins });
      const s = summarize(model, name, { expand: opts.expand === true });
      model.dispose();
      // Keras narrows its table to the terminal; off a terminal, its default widths.
      const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
      out.result(s, () => (opts.format === 'keras2' ? formatSummary(s) : formatKeras3Summary(s, columns ? { terminalColumns: columns } : {})));
    });
}
