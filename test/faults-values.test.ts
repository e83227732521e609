/**
 * Strict values (issue 19): a base config that is not a map, non-decimal numbers in a CSV, YAML
 * tags kerats does not define, and the limit a too-deep config really hit, each an error that
 * names the place and the cause.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { parseCsv } from '../src/runtime/data/csv.js';
import { KeratsError } from '../src/util/errors.js';
import { kerats, tempDir } from './helpers/cli.js';

const tmp = tempDir();
const base = `model:\n  input_shape: [4]\n  layers:\n    - Dense: {units: 3, activation: softmax}\ncompile: {optimizer: adam, loss: sparse_categorical_crossentropy}\nfit: {epochs: 2}\n`;

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  return file;
}

async function loadError(file: string): Promise<KeratsError> {
  try {
    await loadConfig(file);
  } catch (e) {
    assert.ok(e instanceof KeratsError, String(e));
    assert.equal(e.exitCode, 2);
    return e;
  }
  assert.fail(`${file} loaded without an error`);
}

test('extends: a base that is not a map of settings is an error naming it and what it holds', async () => {
  write('list.yaml', '- a\n- b\n');
  write('words.txt', 'root:x:0:0:root:/root:/bin/bash\n');
  for (const [given, holds] of [
    ['list.yaml', /it holds a list/],
    ['words.txt', /it holds a single text value \("root:x:0:0:root:\/root:\/bin\/bash"\)/],
  ] as const) {
    const e = await loadError(write(`ext-${given}.yaml`, `extends: ${given}\n${base}`));
    assert.match(e.message, new RegExp(`:1:10: base config "${given.replace('.', '\\.')}" is not a map of settings`));
    assert.match(e.message, holds);
  }
  // Through the binary too: `validate` no longer says ok.
  const r = await kerats(['validate', path.join(tmp, 'ext-list.yaml.yaml')]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /is not a map of settings/);
});

test('YAML tags kerats does not define are an error naming the tag', async () => {
  const custom = await loadError(write('tag.yaml', base.replace('epochs: 2', 'epochs: !custom 60')));
  assert.match(custom.message, /tag\.yaml:6:15: unknown YAML tag "!custom": kerats defines no tags; remove "!custom"/);
  const binary = await loadError(write('binary.yaml', `${base}name: !!binary aGVsbG8=\n`));
  assert.match(binary.message, /binary\.yaml:7:7: unknown YAML tag "!!binary"/);
  // The plain core tags keep working.
  const ok = await loadConfig(write('core.yaml', `${base}name: !!str 123\n`));
  assert.equal(ok.name, '123');
});

test('a 500-deep JSON config says it is nested too deeply, not that it has aliases', async () => {
  const deep = '{"a":'.repeat(500) + '1' + '}'.repeat(500);
  const e = await loadError(write('deep.json', deep));
  assert.match(e.message, /deep\.json:1:\d+: lists and maps are nested more than 256 levels deep/);
  assert.doesNotMatch(e.message, /alias/i);
});

const plan = { features: [0], label: -1 };

test('CSV numbers are decimals only: 0x10 and 0b10000 are errors at file:line:column', () => {
  for (const [cell, kind] of [
    ['0x10', 'hexadecimal'],
    ['0b10000', 'binary'],
    ['0o20', 'octal'],
  ] as const) {
    assert.throws(
      () => parseCsv(`v,w\n1,2\n${cell},3\n`, 'n.csv', () => plan),
      (e: unknown) => {
        assert.ok(e instanceof KeratsError);
        assert.equal(e.message, `n.csv:3:1: column "v" has the ${kind} number "${cell}"; CSV numbers are read as decimals only (as pandas reads them): write 16, or declare \`preprocess: {v: one_hot}\` if it is a category code`);
        return true;
      },
    );
  }
  assert.throws(() => parseCsv('v\n1_000\n', 'n.csv', () => plan), /n\.csv:2:1: column "v" is not a number: "1_000"/);
  assert.throws(() => parseCsv('v\nInfinity\n', 'n.csv', () => plan), /n\.csv:2:1: column "v" is not a finite number/);
});

test('CSV numbers: surrounding spaces are trimmed as pandas does, and every decimal form is read', () => {
  const d = parseCsv('v\n 16 \n\t-2.5\n1e3\n.5\n5.\n+7\n-0\n', 'n.csv', () => plan);
  assert.deepEqual(Array.from(d.x), [16, -2.5, 1000, 0.5, 5, 7, -0]);
});
