/**
 * The schema (what `kerats schema` prints and editors use) and the registries (what `kerats docs`
 * prints and the runtime builds) agree both ways: every registered layer, optimizer, loss, metric
 * and callback is in the schema with a description, and every schema entry has a registry entry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchema, findLayer, layerEntries } from '../src/config/schema.js';
import { callbacks } from '../src/registry/callbacks.js';
import { layers } from '../src/registry/layers/index.js';
import { losses } from '../src/registry/losses.js';
import { metrics } from '../src/registry/metrics.js';
import { optimizers } from '../src/registry/optimizers.js';
import type { RegistryEntry } from '../src/registry/types.js';
import { docsCatalog, findDocs } from '../src/cli/docs-catalog.js';

type Defs = Record<string, Record<string, { description?: string }>>;

const KINDS: { kind: string; entries: readonly RegistryEntry[]; find: (n: string) => RegistryEntry | undefined }[] = [
  { kind: 'layer', entries: layerEntries(), find: findLayer },
  { kind: 'optimizer', entries: optimizers.all(), find: (n) => optimizers.find(n) },
  { kind: 'loss', entries: losses.all(), find: (n) => losses.find(n) },
  { kind: 'metric', entries: metrics.all(), find: (n) => metrics.find(n) },
  { kind: 'callback', entries: callbacks.all(), find: (n) => callbacks.find(n) },
];

test('every registry entry is in the schema with a description, and every schema entry has a registry entry', () => {
  const schema = buildSchema();
  const defs = schema.definitions as Defs;
  const text = JSON.stringify(schema);
  for (const { kind, entries, find } of KINDS) {
    const inSchema = defs[kind];
    assert.ok(inSchema, `schema has definitions/${kind}`);
    assert.ok(entries.length > 0);
    for (const e of entries) {
      assert.ok(e.description.trim().length > 10, `${kind} ${e.name} has a description in the registry`);
      if ((kind === 'loss' || kind === 'metric') && Object.keys(e.args).length === 0) {
        // Argument-less losses and metrics are plain strings in the schema's enums (their description is in kerats docs).
        assert.ok(text.includes(JSON.stringify(e.name)), `${kind} ${e.name} is in the schema`);
        continue;
      }
      assert.equal(inSchema[e.name]?.description, e.description, `${kind} ${e.name} is in the schema with its description`);
      for (const [arg, spec] of Object.entries(e.args)) assert.ok(spec.description.trim() !== '', `${kind} ${e.name}.${arg} has a description`);
    }
    for (const name of Object.keys(inSchema)) assert.equal(find(name)?.name, name, `schema ${kind} "${name}" has a registry entry`);
  }
  // Layers in the schema the runtime can build: registry layers have a builder; Input and Call are resolved by the model builders.
  for (const name of Object.keys(defs.layer ?? {})) {
    const entry = layers.find(name);
    assert.ok(entry ? typeof entry.build === 'function' : ['Input', 'Call'].includes(name), `layer ${name} has a builder`);
  }
});

test('kerats docs covers the same entries, by category', () => {
  const catalog = docsCatalog();
  for (const { kind, entries } of KINDS) {
    assert.deepEqual(catalog.find((c) => c.category === kind)?.entries.map((e) => e.name), entries.map((e) => e.name));
  }
  // A name can be a loss and a metric: docs shows both.
  const mse = findDocs('mse').map((d) => d.category).sort();
  assert.deepEqual(mse, ['loss', 'metric']);
  const lstm = findDocs('lstm')[0];
  assert.equal(lstm?.name, 'LSTM');
  assert.equal(lstm?.args.find((a) => a.name === 'recurrent_activation')?.default, 'sigmoid', 'Keras default, not tfjs\'s');
});
