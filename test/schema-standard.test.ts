/**
 * schemas/kerats.schema.json in a standard JSON Schema validator that is not the one kerats uses
 * (@cfworker/json-schema, not ajv): every config in configs/ and every config in the README
 * validates as written (`${...}` where numbers go, block names as layers), and mistakes do not.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Validator, type Schema } from '@cfworker/json-schema';
import { parse } from 'yaml';
import { ROOT } from './helpers/cli.js';

const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'kerats.schema.json'), 'utf8')) as Schema & { required?: string[] };
const validator = new Validator(schema, '7', false);
// README snippets that show one section (`tune:`, `fit:`) are checked without the root's required keys.
const fragmentValidator = new Validator({ ...schema, required: [] }, '7', false);

function errorsOf(v: Validator, doc: unknown): string {
  const r = v.validate(doc);
  return r.valid ? '' : r.errors.map((e) => `${e.instanceLocation}: ${e.error}`).slice(-4).join('\n');
}

function configFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) return configFiles(p);
    return /\.(ya?ml|json)$/.test(n) ? [p] : [];
  });
}

describe('the JSON Schema in a second, independent validator', () => {
  it('accepts every config in configs/ (but broken.yaml, which is broken on purpose)', () => {
    const files = configFiles(path.join(ROOT, 'configs'));
    assert.ok(files.length >= 20, `${files.length} configs`);
    for (const f of files) {
      const doc = parse(readFileSync(f, 'utf8')) as unknown;
      const errors = errorsOf(validator, doc);
      if (path.basename(f) === 'broken.yaml') assert.notEqual(errors, '', 'broken.yaml has mistakes');
      else assert.equal(errors, '', path.relative(ROOT, f));
    }
  });

  it('accepts every YAML config in the README', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    assert.ok(blocks.length >= 5);
    for (const [i, text] of blocks.entries()) {
      const doc = parse(text) as Record<string, unknown>;
      const complete = 'model' in doc && 'compile' in doc;
      assert.equal(errorsOf(complete ? validator : fragmentValidator, doc), '', `README yaml block ${i + 1}:\n${text}`);
    }
  });

  it('accepts ${...} where numbers go and block names as layers; rejects wrong types and unknown layers', () => {
    const base = `model:
  input_shape: ["\${FEATURES:-4}"]
  layers:
    - Dense: {units: "\${UNITS}", activation: relu}
    - Dense: 3
compile: {optimizer: adam, loss: mse}
fit:
  epochs: \${EPOCHS:-3}
  batch_size: \${BATCH}
  shuffle: \${SHUFFLE:-true}
`;
    assert.equal(errorsOf(validator, parse(base)), '');
    const withBlocks = `blocks:
  Stack:
    params: [units]
    layers:
      - Dense: {units: "\${units * 2}"}
model:
  input_shape: [4]
  layers:
    - Stack: {units: 8}
    - Dense: 1
compile: {optimizer: adam, loss: mse}
`;
    assert.equal(errorsOf(validator, parse(withBlocks)), '');
    const wrong = [
      base.replace('${EPOCHS:-3}', 'three'),
      base.replace('${BATCH}', '${BATCH} and more'),
      base.replace('Dense: 3', 'Dens: 3'),
      // Without blocks: a name that is no layer is a mistake.
      withBlocks.replace(/^blocks:[\s\S]*?model:/m, 'model:'),
      // A block instance cannot hide a misused layer name.
      withBlocks.replace('Stack: {units: 8}', 'Dense: {unit: 8}'),
    ];
    for (const w of wrong) assert.notEqual(errorsOf(validator, parse(w)), '', w);
  });
});
