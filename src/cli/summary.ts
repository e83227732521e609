/** `kerats summary CONFIG|RUN_DIR|model.json`: the Keras `model.summary()` table. */
import type { Command } from 'commander';
import type { BackendChoice } from '../runtime/backend.js';
import type { ModelSummary } from '../runtime/summary.js';
import type { StepMemoryJson } from '../runtime/memory-guard.js';
import { ConfigError } from '../util/errors.js';
import { configLoadOptions, example, shapeOnlyBackend, outputFor, withBackendOption, withConfigOptions, withOutputOptions, type CommonOptions, type ConfigOptions } from './common.js';

export function registerSummary(program: Command): void {
  withConfigOptions(withBackendOption(withOutputOptions(program.command('summary'))))
    .argument('<target>', 'a config file, a run folder, a TensorFlow.js model.json, a Keras .keras / .h5 file, or a Keras model.to_json() file')
    .option('--allow-plugins', 'load the ES modules the config lists under plugins: (they are code)')
    .option('--expand', 'also list the layers of nested models (Keras expand_nested=True)')
    .option('--format <layout>', 'keras3 (the box table Keras 3 prints; default) or keras2 (the Keras 2 layout)', 'keras3')
    .description('print the Keras model.summary() table: layers, output shapes and parameter counts')
    .addHelpText('after', example('kerats summary configs/mnist-mlp.yaml', 'kerats summary runs/iris/latest --json'))
    .action(async (target: string, opts: CommonOptions & ConfigOptions & { backend: BackendChoice; allowPlugins?: boolean; expand?: boolean; format: string }) => {
      const out = outputFor(opts);
      if (opts.format !== 'keras3' && opts.format !== 'keras2') {
        throw new ConfigError(`--format must be keras3 or keras2, got "${opts.format}"`);
      }
      const { useBackend } = await import('../runtime/backend.js');
      const { formatSummary, summarize } = await import('../runtime/summary.js');
      const { formatKeras3Summary } = await import('../runtime/summary-keras3.js');
      const { estimateStepMemory } = await import('../runtime/memory-estimate.js');
      const { describeStepMemory, stepMemoryJson } = await import('../runtime/memory-guard.js');
      const { loadModelSource } = await import('./model-source.js');
      const { fusedPaths } = await import('../runtime/fused-paths.js');
      const backend = await useBackend(shapeOnlyBackend(opts.backend));
      const { model, name, config } = await loadModelSource(target, { config: configLoadOptions(opts), allowPlugins: opts.allowPlugins });
      const s: ModelSummary & { training_memory?: StepMemoryJson } = summarize(model, name, { expand: opts.expand === true });
      // A config that says how it trains: the step's memory at its batch size, with its optimizer,
      // on the backend named (its fused kernels keep less; --backend auto: the generic ops' count).
      const memory = config?.compile && config.fit ? estimateStepMemory(model, config.fit.batchSize, config.compile.optimizer, fusedPaths(backend.name)) : undefined;
      if (memory) s.training_memory = stepMemoryJson(memory);
      model.dispose();
      // Keras narrows its table to the terminal; off a terminal, its default widths.
      const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
      const table = (): string => (opts.format === 'keras2' ? formatSummary(s) : formatKeras3Summary(s, columns ? { terminalColumns: columns } : {}));
      out.result(s, () => table() + (memory ? `Training step memory (batch size ${memory.batchSize}): ${describeStepMemory(memory)}\n` : ''));
    });
}
