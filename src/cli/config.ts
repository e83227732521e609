/** `kerats config CONFIG`: the fully resolved config (extends merged, ${ENV} and --set applied, defaults filled). */
import type { Command } from 'commander';
import { configLoadOptions, example, outputFor, withConfigOptions, withOutputOptions, type CommonOptions, type ConfigOptions } from './common.js';

export function registerConfig(program: Command): void {
  withConfigOptions(withOutputOptions(program.command('config')))
    .argument('<config>', 'config file (YAML or JSON)')
    .description('print the fully resolved config (bases merged, ${ENV} and --set applied, defaults filled) as YAML, or JSON with --json')
    .addHelpText('after', example('kerats config configs/iris.yaml --set fit.epochs=3', 'kerats config configs/iris.yaml --json > resolved.json'))
    .action(async (file: string, opts: CommonOptions & ConfigOptions) => {
      const out = outputFor(opts);
      const { loadConfig } = await import('../config/load.js');
      const { stringify } = await import('yaml');
      const config = await loadConfig(file, configLoadOptions(opts));
      // The same document a run folder stores as config.json.
      out.result(config.resolved, () => stringify(config.resolved, { lineWidth: 0 }));
    });
}
