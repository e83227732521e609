/**
 * A short, fixed-seed slice of the reliability campaign (`npm run fuzz` runs the long form, see
 * scripts/fuzz/): the hostile files of issue #18, mutated configs through validate/summary/train,
 * mutated CSVs through train/predict, and every failing case the campaign ever saved in
 * test/fixtures/fuzz/. Properties (scripts/fuzz/cases.ts `check`): exit 0 or 2 only, no stack
 * trace, no abort, --json stdout is one JSON document, no half-written run folder; hostile files
 * answer with a located error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { Prng } from '../src/util/prng.js';
import { bases, check, configCase, CSV, csvCase, hostileCases, type FuzzCase } from '../scripts/fuzz/cases.js';
import { runCase } from '../scripts/fuzz/worker.js';
import { ROOT, tempDir } from './helpers/cli.js';

const SEED = 1;
const CONFIG_CASES = 40;
const CSV_CASES = 16;

/** A finished run for the predict cases. */
async function referenceRun(dir: string): Promise<string> {
  const run = path.join(dir, 'reference-run');
  const setup: FuzzCase = { kind: 'csv', label: 'setup', files: { 'config.yaml': stringify(bases()[0]), 'data.csv': CSV }, args: ['train', '{dir}/config.yaml', '--out', run, '--quiet', '--backend', 'cpu'] };
  const r = await runCase(setup, path.join(dir, 'setup'), run);
  assert.equal(r.code, 0, r.stderr);
  return run;
}

async function runAll(cases: FuzzCase[], dir: string, run: string): Promise<string[]> {
  const failures: string[] = [];
  for (const [i, c] of cases.entries()) {
    const caseDir = path.join(dir, `case-${i}`);
    const r = await runCase(c, caseDir, run);
    // The 2 s bound of hostile files is the campaign's to judge (this machine may be loaded).
    const bad = check(c, { ...r, ms: 0 }, path.join(caseDir, 'runs'));
    if (bad) failures.push(bad);
  }
  return failures;
}

test(`fuzz slice (seed ${SEED}): hostile files, ${CONFIG_CASES} mutated configs and ${CSV_CASES} mutated CSVs give exit 0 or 2 with clean messages`, async () => {
  const dir = tempDir('kerats-fuzz-');
  const run = await referenceRun(dir);
  const rng = new Prng(SEED);
  const cases = [...hostileCases(), ...Array.from({ length: CONFIG_CASES }, () => configCase(rng)), ...Array.from({ length: CSV_CASES }, () => csvCase(rng))];
  const failures = await runAll(cases, dir, run);
  assert.deepEqual(failures, []);
});

test('every failing case the fuzz campaign saved (test/fixtures/fuzz/) now passes', async (t) => {
  const fixtures = path.join(ROOT, 'test', 'fixtures', 'fuzz');
  const files = existsSync(fixtures) ? readdirSync(fixtures).filter((f) => f.endsWith('.json')) : [];
  if (files.length === 0) return t.skip('no saved fuzz failures');
  const dir = tempDir('kerats-fuzz-replay-');
  const run = await referenceRun(dir);
  const cases = files.map((f) => JSON.parse(readFileSync(path.join(fixtures, f), 'utf8')) as FuzzCase);
  assert.deepEqual(await runAll(cases, dir, run), []);
});
