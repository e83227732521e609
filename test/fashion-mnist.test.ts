/**
 * Fashion-MNIST from Debian's `dataset-fashion-mnist` package through the dataset code: the
 * shapes keras.datasets.fashion_mnist.load_data() gives and the label range. Skips (with the
 * reason printed) where the package is not installed; .ci/run installs it when it can.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DEBIAN_FASHION_MNIST } from '../src/runtime/data/datasets/catalog.js';
import { findDataset } from '../src/runtime/data/datasets/index.js';
import { resolveFiles } from '../src/runtime/data/datasets/files.js';
import { kerats, ROOT, tempDir } from './helpers/cli.js';

const installed = existsSync(`${DEBIAN_FASHION_MNIST}/train-images-idx3-ubyte.gz`);
const skip = installed ? false : `Debian's dataset-fashion-mnist is not installed (no ${DEBIAN_FASHION_MNIST}); apt-get install dataset-fashion-mnist`;
if (skip) console.log(`# skipping Fashion-MNIST tests: ${skip}`);

test('fashion_mnist uses the Debian files: (60000, 28, 28) / (10000, 28, 28), labels 0-9, 6000 / 1000 per class', { skip }, async () => {
  const def = findDataset('fashion_mnist');
  assert.ok(def);
  // An empty KERATS_HOME: the files must come from the system package, with no download.
  const files = await resolveFiles({ dataset: def.name, ...def.files }, { env: { KERATS_HOME: tempDir(), KERATS_DATASETS_MIRROR: 'http://127.0.0.1:9' } });
  assert.equal(files.source, 'system');
  const d = await def.load(files.paths, {});
  assert.deepEqual([d.train.n, ...d.train.xShape], [60000, 28, 28]);
  assert.deepEqual([d.test.n, ...d.test.xShape], [10000, 28, 28]);
  assert.equal(d.train.x.length, 60000 * 784);
  assert.equal(d.numClasses, 10);
  for (const [split, per] of [[d.train, 6000], [d.test, 1000]] as const) {
    const counts = new Array<number>(10).fill(0);
    for (const y of split.y) {
      assert.ok(Number.isInteger(y) && y >= 0 && y <= 9, `label ${y}`);
      counts[y] = (counts[y] ?? 0) + 1;
    }
    assert.deepEqual(counts, new Array<number>(10).fill(per));
  }
  let max = 0;
  for (const v of d.test.x) if (v > max) max = v;
  assert.equal(max, 255);
});

test('predict on a CSV of the 10,000 flattened test images agrees with evaluate on the test set', { skip }, async () => {
  const dir = tempDir();
  const run = path.join(dir, 'run');
  // One epoch is enough: the point is that predict and evaluate see the same data the same way.
  const t = await kerats(['train', path.join(ROOT, 'configs', 'fashion-mnist-mlp.yaml'), '--set', 'fit.epochs=1', '--out', run, '--quiet'], { timeoutMs: 600_000 });
  assert.equal(t.code, 0, t.stderr);
  const def = findDataset('fashion_mnist');
  assert.ok(def);
  const files = await resolveFiles({ dataset: def.name, ...def.files }, { env: { KERATS_HOME: tempDir() } });
  const d = await def.load(files.paths, {});
  // The run saved x0..x783 as the feature names of the flattened images (and y for the label).
  const header = [...Array.from({ length: 784 }, (_, i) => `x${i}`), 'y'].join(',');
  const lines = [header];
  for (let i = 0; i < d.test.n; i++) lines.push(`${Array.from(d.test.x.subarray(i * 784, (i + 1) * 784)).join(',')},${d.test.y[i]}`);
  const csv = path.join(dir, 'test.csv');
  writeFileSync(csv, lines.join('\n') + '\n');
  const out = path.join(dir, 'pred.csv');
  const p = await kerats(['predict', run, csv, '-o', out, '--id-column', 'y', '--batch-size', '256'], { timeoutMs: 600_000 });
  assert.equal(p.code, 0, p.stderr);
  const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  assert.equal(rows.length, 10000);
  const accuracy = rows.filter((r) => r[0] === r[1]).length / rows.length;
  const e = await kerats(['evaluate', run, '--json'], { timeoutMs: 600_000 });
  assert.equal(e.code, 0, e.stderr);
  const evaluated = JSON.parse(e.stdout) as { data: string; samples: number; metrics: { accuracy: number } };
  assert.equal(evaluated.data, 'test');
  assert.equal(evaluated.samples, 10000);
  assert.ok(Math.abs(accuracy - evaluated.metrics.accuracy) < 1e-9, `predict ${accuracy} vs evaluate ${evaluated.metrics.accuracy}`);
  assert.ok(accuracy > 0.75, `one epoch reaches well above chance: ${accuracy}`);
});
