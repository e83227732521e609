/**
 * The JSON Schema editors use: generated from the registries, committed up to date, with a
 * description on every property, and accepting exactly what users write (shorthands included).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { buildSchema, layerArgs, layerEntries } from '../src/config/schema.js';
import { editorSchema, schemaText } from '../src/config/schema-editor.js';
import { callbacks } from '../src/registry/callbacks.js';
import { losses } from '../src/registry/losses.js';
import { metrics } from '../src/registry/metrics.js';
import { optimizers } from '../src/registry/optimizers.js';
import type { ArgSpec, RegistryEntry } from '../src/registry/types.js';

// dist/test/schema.test.js → the package root.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCHEMA_FILE = path.join(ROOT, 'schemas', 'kerats.schema.json');

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

test('schemas/kerats.schema.json is the schema the registries generate (run `npm run schema` if not)', () => {
  assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), schemaText());
});

test('every property in the schema has a description', () => {
  const missing: string[] = [];
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
    if (!isObj(node)) return;
    if (isObj(node.properties)) {
      for (const [k, p] of Object.entries(node.properties)) {
        if (!isObj(p) || typeof p.description !== 'string' || p.description.trim() === '') missing.push(`${at}/properties/${k}`);
      }
    }
    for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
  };
  walk(buildSchema(), '#');
  assert.deepEqual(missing, []);
});

function checkEntries(kind: 'layer' | 'optimizer' | 'callback', entries: readonly RegistryEntry[], argsOf: (e: RegistryEntry) => Record<string, ArgSpec>): void {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { definitions: Record<string, Obj> };
  const defs = schema.definitions[kind] as Record<string, Obj>;
  const entryKeys = (schema.definitions[`${kind}Entry`]?.properties ?? {}) as Record<string, Obj>;
  assert.ok(entries.length > 0);
  for (const e of entries) {
    const def = defs[e.name];
    assert.ok(def, `${kind} ${e.name} has a definition`);
    assert.equal(def.description, e.description);
    assert.equal(def.additionalProperties, false);
    assert.equal(entryKeys[e.name]?.description, e.description, `${e.name} is an allowed ${kind} key`);
    const props = def.properties as Record<string, Obj>;
    const args = argsOf(e);
    assert.deepEqual(Object.keys(props).sort(), Object.keys(args).sort(), `${e.name}'s arguments`);
    for (const [name, spec] of Object.entries(args)) {
      assert.equal(props[name]?.description, spec.description, `${e.name}.${name} description`);
      assert.deepEqual(props[name]?.default, spec.default, `${e.name}.${name} default`);
    }
    const required = Object.entries(args).filter(([, s]) => s.required).map(([n]) => n);
    assert.deepEqual(def.required ?? [], required, `${e.name}'s required arguments`);
  }
  assert.deepEqual(Object.keys(entryKeys), entries.map((e) => e.name), 'only canonical names are keys');
}

test('every layer, optimizer and callback appears with its description, arguments, defaults and required ones', () => {
  checkEntries('layer', layerEntries(), layerArgs);
  checkEntries('optimizer', optimizers.all(), (e) => e.args);
  checkEntries('callback', callbacks.all(), (e) => e.args);
});

test('losses and metrics are enums of their Keras names (aliases included)', () => {
  // A loss is a map (with arguments, or by output), a list (one per output) or a string (the innermost `else`);
  // metrics a list whose items are strings or entries (the `else`), or lists of them (one per output).
  const schema = buildSchema() as { properties: { compile: { properties: { loss: { else: { then: { items: { anyOf: [{ enum: string[] }] } }; else: { enum: string[] } } }; metrics: { else: { items: { then: { items: { anyOf: [{ enum: string[] }] } }; else: { anyOf: [{ enum: string[] }] } } } } } } } };
  const compile = schema.properties.compile.properties;
  for (const l of losses.all()) {
    for (const n of [l.name, ...(l.aliases ?? [])]) {
      assert.ok(compile.loss.else.else.enum.includes(n), `loss ${n}`);
      assert.ok(compile.loss.else.then.items.anyOf[0].enum.includes(n), `loss ${n} in a list`);
    }
  }
  for (const m of metrics.all()) {
    for (const n of [m.name, ...(m.aliases ?? [])]) {
      assert.ok(compile.metrics.else.items.else.anyOf[0].enum.includes(n), `metric ${n}`);
      assert.ok(compile.metrics.else.items.then.items.anyOf[0].enum.includes(n), `metric ${n} in a list of lists`);
    }
  }
});

test('draft-07, and what a user writes (shorthands included) validates in an editor; mistakes do not', () => {
  const schema = editorSchema(buildSchema());
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  const iris = parseYaml(readFileSync(path.join(ROOT, 'configs', 'iris.yaml'), 'utf8')) as Obj;
  assert.ok(validate(iris), JSON.stringify(validate.errors));
  const shorthand = parseYaml(`
model:
  input_shape: [49]
  layers: [{Dense: 64}, {Dropout: 0.5}, {Reshape: [7, 7, 1]}, Flatten, {Flatten: null}, {Bidirectional: {LSTM: 4}}]
compile: {optimizer: adam, loss: mse, metrics: [acc]}
fit: {callbacks: [TerminateOnNaN, {EarlyStopping: {patience: 2}}]}
`) as Obj;
  assert.ok(validate(shorthand), JSON.stringify(validate.errors));
  const wrong: Obj[] = [
    { ...shorthand, model: { layers: [{ Dens: { units: 3 } }] } },
    { ...shorthand, model: { layers: [{ Dense: { unit: 3 } }] } },
    { ...shorthand, model: { layers: [{ Dropout: 'high' }] } },
    { ...shorthand, compile: { loss: 'msee' } },
    { ...shorthand, extra: 1 },
  ];
  for (const w of wrong) assert.equal(validate(w), false, JSON.stringify(w));
});
