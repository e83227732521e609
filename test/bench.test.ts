/** Smoke test of the benchmark runner (`npm run bench`): one tiny round, the JSON it writes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tempDir } from './helpers/cli.js';

interface Results {
  machine: string;
  sections: Record<string, { rows: Array<Record<string, number | string>>; table: string }>;
}

test('bench runner times kerats and the plain tfjs script and writes results.json', () => {
  const out = path.join(tempDir(), 'results.json');
  const args = ['dist/bench/run.js', '--quick', '--json', '--only', 'models', '--models', 'mlp', '--backends', 'wasm', '--no-torch', '--no-keras', '--out', out];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const printed = JSON.parse(r.stdout) as Results;
  const written = JSON.parse(readFileSync(out, 'utf8')) as Results;
  assert.deepEqual(written, printed);
  const rows = written.sections['models']?.rows ?? [];
  assert.equal(rows.length, 1);
  const row = rows[0] as Record<string, number | string>;
  assert.equal(row['model'], 'mlp');
  assert.equal(row['backend'], 'wasm');
  assert.equal(row['batch'], 128);
  assert.ok((row['kerats'] as number) > 0 && (row['tfjs'] as number) > 0);
  assert.ok(Math.abs((row['keratsVsTfjs'] as number) - (row['kerats'] as number) / (row['tfjs'] as number)) < 1e-9);
  assert.match(written.sections['models']?.table ?? '', /\| MLP 784-512-512-10 \| 128 \| wasm \|/);
  assert.match(written.machine, /\d+ cores/);
});
