/** `kerats docs [NAME]`: arguments, defaults and descriptions of layers, optimizers, losses, metrics, callbacks, from the registry. */
import type { Command } from 'commander';
import { ConfigError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { example, outputFor, withOutputOptions, type CommonOptions } from './common.js';
import { registrySnapshot, type RegistrySnapshot } from './registry-snapshot.js';

export type DocsCategory = 'layer' | 'optimizer' | 'loss' | 'metric' | 'callback' | 'schedule' | 'initializer';

/** `losses (17)`, not `losss`. */
const PLURAL: Record<DocsCategory, string> = {
  layer: 'layers', optimizer: 'optimizers', loss: 'losses', metric: 'metrics', callback: 'callbacks', schedule: 'schedules', initializer: 'initializers',
};

export interface DocsArg {
  name: string;
  description: string;
  default?: unknown;
  required: boolean;
  /** The argument's JSON Schema type or allowed values, in short. */
  type: string;
}

export interface DocsEntry {
  name: string;
  category: DocsCategory;
  /** Layers: Keras's grouping (core, convolution, ...). */
  group?: string;
  aliases: string[];
  description: string;
  positional?: string;
  args: DocsArg[];
}

export function formatEntry(d: DocsEntry): string {
  const lines = [`${d.name} (${d.category}${d.group ? `, ${d.group}` : ''})`];
  if (d.aliases.length) lines.push(`  aliases: ${d.aliases.join(', ')}`);
  lines.push('', `  ${d.description}`, '');
  if (d.args.length === 0) lines.push('  no arguments');
  else {
    lines.push('  arguments:');
    for (const a of d.args) {
      const dflt = a.required ? 'required' : a.default !== undefined ? `default ${JSON.stringify(a.default)}` : 'optional';
      lines.push(`    ${a.name}: ${a.type} (${dflt})`, `        ${a.description}`);
    }
  }
  if (d.positional) lines.push('', `  shorthand: "${d.name}: VALUE" sets ${d.positional}`);
  return lines.join('\n') + '\n';
}

/** `kerats docs` with no name: every name by category, as JSON and as text. */
export function docsListing(docs: RegistrySnapshot['docs']): { json: { categories: { category: DocsCategory; names: string[] }[] }; text: string } {
  const all = docs.map(({ category, entries }) => ({ category, names: entries.map((e) => e.name) }));
  return { json: { categories: all }, text: all.map((c) => `${PLURAL[c.category]} (${c.names.length}):\n  ${c.names.join(', ')}\n`).join('\n') };
}

export function registerDocs(program: Command): void {
  withOutputOptions(program.command('docs'))
    .argument('[name]', 'a layer, optimizer, loss, metric, callback, learning-rate schedule or initializer (any case, or an alias)')
    .description('print the arguments, defaults and description of a layer, optimizer, loss, metric, callback, schedule or initializer; with no name, list them all by category')
    .addHelpText('after', example('kerats docs', 'kerats docs Dense', 'kerats docs EarlyStopping --json'))
    .action(async (name: string | undefined, opts: CommonOptions) => {
      const out = outputFor(opts);
      const { docs } = await registrySnapshot();
      if (name === undefined) {
        const list = docsListing(docs);
        out.result(list.json, () => list.text);
        return;
      }
      const lower = name.toLowerCase();
      const found = docs.flatMap(({ entries }) => entries.filter((e) => [e.name, ...e.aliases].some((n) => n.toLowerCase() === lower)));
      if (found.length === 0) {
        const names = docs.flatMap(({ entries }) => entries.flatMap((e) => [e.name, ...e.aliases]));
        throw new ConfigError(`no layer, optimizer, loss, metric, callback, schedule or initializer is called "${name}"${didYouMean(name, names)} (kerats docs lists them all)`);
      }
      out.result({ entries: found }, () => found.map(formatEntry).join('\n'));
    });
}
