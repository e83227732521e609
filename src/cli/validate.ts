/** `kerats validate CONFIG`: checks the config against the schema and builds the model graph, training nothing. */
import type { Command } from 'commander';
import { configLoadOptions, example, shapeOnlyBackend, outputFor, withBackendOption, withConfigOptions, withOutputOptions, type CommonOptions, type ConfigOptions } from './common.js';

export function registerValidate(program: Command): void {
  withConfigOptions(withBackendOption(withOutputOptions(program.command('validate'))))
    .argument('<config>', 'config file (YAML or JSON)')
    .option('--allow-plugins', 'load the ES modules the config lists under plugins: (they are code)')
    .description('check a config: schema, names, arguments and layer shapes; reports every problem as file:line:col')
    .addHelpText('after', example('kerats validate configs/iris.yaml'))
    .action(async (file: string, opts: CommonOptions & ConfigOptions & { backend: string; allowPlugins?: boolean }) => {
      const out = outputFor(opts);
      const { loadConfigPlugins } = await import('../runtime/plugins.js');
      const { loadConfig } = await import('../config/load.js');
      const { useBackend } = await import('../runtime/backend.js');
      const { buildModel } = await import('../runtime/model-builder.js');
      const { summarize } = await import('../runtime/summary.js');
      const { buildModelFromSources } = await import('../saving/transfer.js');
      await loadConfigPlugins(file, { allow: opts.allowPlugins });
      const config = await loadConfig(file, configLoadOptions(opts));
      await useBackend(shapeOnlyBackend(opts.backend) as never);
      const model = (await buildModelFromSources(config.model, { seed: config.seed })) ?? buildModel(config.model, { seed: config.seed });
      try {
        // The compile section against the model's outputs (loss lists, names), then each output's labels against its loss.
        if (!config.missing?.includes('compile')) {
          const { planOutputs, outputNamesOf } = await import('../runtime/training/outputs.js');
          const { bindOutputs } = await import('../config/compile-outputs.js');
          const { labelProblems } = await import('../runtime/data-labels-check.js');
          const { ConfigError } = await import('../util/errors.js');
          planOutputs(model, config.compile);
          const problems = labelProblems(model, config, bindOutputs(config.compile, outputNamesOf(model)));
          if (problems.length > 0) throw new ConfigError(problems);
        }
      } catch (e) {
        model.dispose();
        throw e;
      }
      const s = summarize(model, config.name);
      model.dispose();
      out.result({ valid: true, file, model: config.name, total_params: s.total_params, problems: [] }, () =>
        `${file}: ok (${s.layers.length} layers, ${s.total_params.toLocaleString('en-US')} parameters)\n`,
      );
    });
}
