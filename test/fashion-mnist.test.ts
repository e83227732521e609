/**
 * Fashion-MNIST from Debian's `dataset-fashion-mnist` package through the dataset code: the
 * shapes keras.datasets.fashion_mnist.load_data() gives and the label range. Skips (with the
 * reason printed) where the package is not installed; .ci/run installs it when it can.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { DEBIAN_FASHION_MNIST } from '../src/runtime/data/datasets/catalog.js';
import { findDataset } from '../src/runtime/data/datasets/index.js';
import { resolveFiles } from '../src/runtime/data/datasets/files.js';
import { tempDir } from './helpers/cli.js';

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
