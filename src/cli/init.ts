/** `kerats init [--template NAME] [FILE]`: writes a commented starter config that trains as is. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { ConfigError } from '../util/errors.js';
import { example, outputFor, withOutputOptions, type CommonOptions } from './common.js';
import { initResult, renderTemplate, templateNames } from './init-template.cjs';

interface InitOptions extends CommonOptions {
  template: string;
  force?: boolean;
}

export function registerInit(program: Command): void {
  withOutputOptions(program.command('init'))
    .argument('[file]', 'where to write the config', 'kerats.yaml')
    .addOption(new Option('-t, --template <name>', 'starter model').choices(templateNames()).default('mlp'))
    .option('-f, --force', 'overwrite FILE if it exists')
    .description('write a commented starter config (with the editor $schema line) that trains as is on synthetic data')
    .addHelpText('after', example('kerats init --template cnn cnn.yaml && kerats train cnn.yaml --set fit.epochs=1'))
    .action(async (file: string, opts: InitOptions) => {
      const out = outputFor(opts);
      const names = templateNames();
      if (!names.includes(opts.template)) {
        throw new ConfigError(`unknown template "${opts.template}"; choose one of ${names.join(', ')}`);
      }
      if (existsSync(file) && !opts.force) throw new ConfigError(`"${file}" already exists; choose another name or add --force to overwrite it`);
      const text = renderTemplate(opts.template, file);
      try {
        await writeFileAtomic(path.resolve(file), text);
      } catch (e) {
        throw new ConfigError(`cannot write "${file}": ${(e as Error).message}`);
      }
      const result = initResult(file, opts.template);
      out.result(result.json, () => result.text);
    });
}
