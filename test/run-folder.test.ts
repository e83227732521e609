/** Run folders appear whole or not at all, and two runs never share one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { RunFolder, safeName } from '../src/saving/run-folder.js';
import { tempDir } from './helpers/cli.js';

test('a run folder is hidden as .partial until finalize, then appears whole under runs/<name>/', async () => {
  const root = tempDir();
  const run = await RunFolder.create({ root, name: 'iris' });
  await run.writeJson('history.json', { loss: [1, 0.5] });
  assert.deepEqual(readdirSync(path.join(root, 'iris')).filter((n) => !n.startsWith('.')), [], 'nothing visible before finalize');
  const final = await run.finalize();
  assert.equal(path.dirname(final), path.join(root, 'iris'));
  assert.deepEqual(JSON.parse(readFileSync(path.join(final, 'history.json'), 'utf8')), { loss: [1, 0.5] });
  assert.deepEqual(readdirSync(path.join(root, 'iris')).sort(), [path.basename(final), 'latest'], 'no partial or temporary file left');
  assert.equal(readlinkSync(path.join(root, 'iris', 'latest')), path.basename(final), 'latest points at the finished run');
});

test('abort removes the partial folder', async () => {
  const root = tempDir();
  const run = await RunFolder.create({ root, name: 'x' });
  await run.writeText('summary.txt', 'half');
  await run.abort();
  assert.deepEqual(readdirSync(path.join(root, 'x')), []);
});

test('runs finishing in the same millisecond get separate folders', async () => {
  const root = tempDir();
  // Force the collision: every run targets the same timestamped name.
  const time = new Date();
  const runs = await Promise.all([1, 2, 3].map(() => RunFolder.create({ root, name: 'same', time })));
  const finals = await Promise.all(runs.map((r) => r.finalize()));
  assert.equal(new Set(finals).size, 3);
  for (const f of finals) assert.ok(existsSync(f));
  // `latest` names one of them; no temporary link is left behind.
  assert.ok(finals.map((f) => path.basename(f)).includes(readlinkSync(path.join(root, 'same', 'latest'))));
  assert.deepEqual(readdirSync(path.join(root, 'same')).filter((n) => n.startsWith('.')), []);
});

test('--out must be new or empty; config names become safe folder names', async () => {
  const root = tempDir();
  const first = await RunFolder.create({ root, name: 'a', out: path.join(root, 'out') });
  await first.writeText('x.txt', 'x');
  await first.finalize();
  await assert.rejects(RunFolder.create({ root, name: 'a', out: path.join(root, 'out') }), /already exists and is not empty/);
  assert.equal(safeName('a/b:c'), 'a_b_c');
  assert.equal(safeName('..'), '_');
});
