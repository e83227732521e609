/** `kerats init [--template NAME] [FILE]`: writes a commented starter config that trains as is. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { ConfigError } from '../util/errors.js';
import { packageRoot } from '../util/package-root.js';
import { example, outputFor, withOutputOptions, type CommonOptions } from './common.js';

/** The starter configs shipped in configs/templates/, by name (`mlp`, `cnn`, `lstm`, ...). */
export function templateNames(): string[] {
  const dir = path.join(packageRoot(), 'configs', 'templates');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/**
 * Where the installed schema is, as the `$schema` line should name it from `file`'s folder:
 * always a relative path (`node_modules/kerats/schemas/kerats.schema.json` in a project that
 * installs kerats), so the file reads the same on every machine that has the same layout.
 */
export function schemaRef(file: string): string {
  const schema = path.join(packageRoot(), 'schemas', 'kerats.schema.json');
  const rel = path.relative(path.dirname(path.resolve(file)), schema);
  // A different drive on Windows has no relative path: then the absolute one is all there is.
  return (path.isAbsolute(rel) ? schema : rel).split(path.sep).join('/');
}

/** The template's text with the `$schema` line for `file` and its name set to the file's. */
export function renderTemplate(template: string, file: string): string {
  const text = readFileSync(path.join(packageRoot(), 'configs', 'templates', `${template}.yaml`), 'utf8');
  const name = path.basename(file).replace(/\.(ya?ml|json)$/i, '') || template;
  const safe = /^[\w.-]+$/.test(name) ? name : JSON.stringify(name);
  return `# yaml-language-server: $schema=${schemaRef(file)}\n${text.replace(/^name: .*$/m, `name: ${safe}`).replace(/THIS_FILE/g, path.basename(file))}`;
}

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
      out.result({ file, template: opts.template, schema: schemaRef(file) }, () =>
        `wrote ${file} (template ${opts.template}); train it with: kerats train ${/\s/.test(file) ? JSON.stringify(file) : file}\n`,
      );
    });
}
