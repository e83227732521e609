/** `kerats docs`: category headings in plain English, and the schedules and initializers configs accept. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kerats } from './helpers/cli.js';

test('kerats docs lists "losses (17)", not "losss", and has schedules and initializers', async () => {
  const r = await kerats(['docs']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^losses \(\d+\):$/m);
  assert.doesNotMatch(r.stdout, /losss/);
  assert.match(r.stdout, /^schedules \(\d+\):\n .*CosineDecay/m);
  assert.match(r.stdout, /^initializers \(\d+\):\n .*HeUniform/m);
});

test('kerats docs CosineDecay and he_uniform find what configs accept', async () => {
  const cos = await kerats(['docs', 'CosineDecay', '--json']);
  assert.equal(cos.code, 0, cos.stderr);
  const c = JSON.parse(cos.stdout) as { entries: { name: string; category: string; args: { name: string }[] }[] };
  assert.equal(c.entries[0]?.category, 'schedule');
  assert.ok(c.entries[0]?.args.some((a) => a.name === 'decay_steps'));
  const he = await kerats(['docs', 'he_uniform']);
  assert.equal(he.code, 0, he.stderr);
  assert.match(he.stdout, /^HeUniform \(initializer\)/);
});
