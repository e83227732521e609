/**
 * What `kerats docs` prints, read from the registries. Loading the registries loads TensorFlow.js
 * (the layer builders), so the command itself reads the copy the build writes
 * (dist/registry-snapshot.json, see src/cli/registry-snapshot.ts) and comes here only without it.
 */
import { layerEntries } from '../config/schema.js';
import { callbacks } from '../registry/callbacks.js';
import { losses } from '../registry/losses.js';
import { metrics } from '../registry/metrics.js';
import { optimizers } from '../registry/optimizers.js';
import type { RegistryEntry } from '../registry/types.js';
import { initializerDocs } from '../registry/keras-names.js';
import { scheduleDocs } from '../registry/schedules.js';
import type { DocsCategory, DocsEntry } from './docs.js';

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

