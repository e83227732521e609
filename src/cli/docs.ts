/** `kerats docs [NAME]`: arguments, defaults and descriptions of layers, optimizers, losses, metrics, callbacks, from the registry. */
import { scheduleDocs } from '../runtime/training/schedules.js';
import { initializerDocs } from '../registry/keras-names.js';
import type { Command } from 'commander';
import { layerEntries } from '../config/schema.js';
import { callbacks } from '../registry/callbacks.js';
import { losses } from '../registry/losses.js';
import { metrics } from '../registry/metrics.js';
import { optimizers } from '../registry/optimizers.js';
import type { RegistryEntry } from '../registry/types.js';
import { ConfigError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';
import { example, outputFor, withOutputOptions, type CommonOptions } from './common.js';

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

/** Everything `kerats docs` knows, in registry order, by category. */
export function docsCatalog(): { category: DocsCategory; entries: readonly RegistryEntry[] }[] {
  return [
    { category: 'layer', entries: layerEntries() },
    { category: 'optimizer', entries: optimizers.all() },
    { category: 'loss', entries: losses.all() },
    { category: 'metric', entries: metrics.all() },
    { category: 'callback', entries: callbacks.all() },
    // Learning-rate schedules (optimizer learning_rate) and initializers (kernel_initializer...).
    { category: 'schedule', entries: scheduleDocs() },
    { category: 'initializer', entries: initializerDocs() },
  ];
}

/** A short type: repeated alternatives once, long enums cut (`kerats docs` is read on a terminal; --json has the schema's words). */
function typeOf(schema: Record<string, unknown>): string {
  const parts = [...new Set(typeParts(schema).split(' | '))];
  return parts.length > 8 ? `${parts.slice(0, 6).join(' | ')} | ... (${parts.length - 6} more)` : parts.join(' | ');
}

function typeParts(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) return (schema.type as string[]).join(' | ');
  for (const k of ['oneOf', 'anyOf'] as const) {
    const alts = schema[k];
    if (Array.isArray(alts)) return alts.map((a) => typeParts(a as Record<string, unknown>)).join(' | ');
  }
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop() ?? 'value';
  return 'value';
}

export function describeEntry(e: RegistryEntry, category: DocsCategory): DocsEntry {
  const group = (e as RegistryEntry & { category?: unknown }).category;
  return {
    name: e.name,
    category,
    ...(typeof group === 'string' ? { group } : {}),
    aliases: e.aliases ?? [],
    description: e.description,
    ...(e.positional ? { positional: e.positional } : {}),
    args: Object.entries(e.args).map(([name, a]) => ({
      name,
      description: a.description,
      ...(a.default !== undefined ? { default: a.default } : {}),
      required: a.required === true,
      type: typeOf(a.schema),
    })),
  };
}

/** Every entry whose name or alias is `name` (any case): a name can be both a loss and a metric. */
export function findDocs(name: string): DocsEntry[] {
  const lower = name.toLowerCase();
  const found: DocsEntry[] = [];
  for (const { category, entries } of docsCatalog()) {
    for (const e of entries) {
      if ([e.name, ...(e.aliases ?? [])].some((n) => n.toLowerCase() === lower)) found.push(describeEntry(e, category));
    }
  }
  return found;
}

function formatEntry(d: DocsEntry): string {
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

export function registerDocs(program: Command): void {
  withOutputOptions(program.command('docs'))
    .argument('[name]', 'a layer, optimizer, loss, metric, callback, learning-rate schedule or initializer (any case, or an alias)')
    .description('print the arguments, defaults and description of a layer, optimizer, loss, metric, callback, schedule or initializer; with no name, list them all by category')
    .addHelpText('after', example('kerats docs', 'kerats docs Dense', 'kerats docs EarlyStopping --json'))
    .action((name: string | undefined, opts: CommonOptions) => {
      const out = outputFor(opts);
      if (name === undefined) {
        const all = docsCatalog().map(({ category, entries }) => ({ category, names: entries.map((e) => e.name) }));
        out.result({ categories: all }, () =>
          all.map((c) => `${PLURAL[c.category]} (${c.names.length}):\n  ${c.names.join(', ')}\n`).join('\n'),
        );
        return;
      }
      const found = findDocs(name);
      if (found.length === 0) {
        const names = docsCatalog().flatMap(({ entries }) => entries.flatMap((e) => [e.name, ...(e.aliases ?? [])]));
        throw new ConfigError(`no layer, optimizer, loss, metric, callback, schedule or initializer is called "${name}"${didYouMean(name, names)} (kerats docs lists them all)`);
      }
      out.result({ entries: found }, () => found.map(formatEntry).join('\n'));
    });
}
