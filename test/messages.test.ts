/** Messages that state a failed condition say what was required and what was found. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { hasStackTrace, kerats, tempDir } from './helpers/cli.js';

test('synthetic validation data unlike the training data: the message shows both shapes', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'mismatch.yaml');
  writeFileSync(file, `name: mismatch
data:
  train: {synthetic: {samples: 20, x_shape: [4], classes: 3}}
  validation: {synthetic: {samples: 10, x_shape: [5], classes: 3}}
model:
  input_shape: [4]
  layers: [{Dense: 3}]
compile: {optimizer: adam, loss: sparse_categorical_crossentropy}
fit: {epochs: 1}
`);
  const r = await kerats(['train', file, '--runs', path.join(dir, 'runs')], { cwd: dir });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /must have the same x_shape, classes and y_shape as the training data \(training: x_shape \[4\], classes 3, y_shape null; here: x_shape \[5\], classes 3, y_shape null\)/);
  assert.ok(!hasStackTrace(r.stderr));
});
