/**
 * kerats' replacement gradients (src/runtime/gradients) against tfjs's own: Tile's gradient for
 * every rank tfjs differentiates (1-4; rank 5, which tfjs cannot, against the same problem in
 * rank 4), batch 1, odd sizes and reps of 1, and whole LayerNormalization
 * layers (the layer that tiles gamma, beta and its moments), forward and every gradient, on the
 * cpu and wasm backends (wasm with the native addon when built; the -plain/-bundled variants of
 * the wasm kernel tests cover the other GEMMs). Relative error <= 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerFastGradients } from '../src/runtime/gradients/index.js';
import { tileGradConfig } from '../src/runtime/gradients/tile-grad.js';
import { registerWasmTrainingKernels } from '../src/runtime/wasm-kernels/index.js';

const TOL = 1e-4;
const tfjsTileGrad = tf.getGradient(tf.Tile);
assert.ok(tfjsTileGrad, 'tfjs registers a Tile gradient');

function values(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return tf.tensor(out, shape);
}

/** Runs fn once with tfjs's gradients and once with kerats', returning both results as arrays. */
function bothWays(fn: () => tf.Tensor[]): [Float32Array[], Float32Array[]] {
  const run = () => tf.tidy(fn).map((t) => {
    const d = t.dataSync() as Float32Array;
    t.dispose();
    return d;
  });
  tf.registerGradient(tfjsTileGrad!);
  const theirs = run();
  tf.registerGradient(tileGradConfig);
  const ours = run();
  return [theirs, ours];
}

function assertClose(label: string, theirs: Float32Array[], ours: Float32Array[]): void {
  assert.equal(ours.length, theirs.length, label);
  theirs.forEach((want, i) => {
    const got = ours[i] as Float32Array;
    assert.equal(got.length, want.length, `${label} output ${i} size`);
    let scale = 0;
    let err = 0;
    for (let j = 0; j < want.length; j++) {
      scale = Math.max(scale, Math.abs(want[j] as number));
      err = Math.max(err, Math.abs((want[j] as number) - (got[j] as number)));
    }
    assert.ok(err <= TOL * Math.max(scale, 1), `${label} output ${i}: error ${err} (scale ${scale})`);
  });
}

test('useBackend registers the fast gradients over tfjs\'s', () => {
  assert.deepEqual(registerFastGradients(), ['Tile']);
  assert.equal(tf.getGradient(tf.Tile)?.gradFunc, tileGradConfig.gradFunc);
});

for (const backend of ['cpu', 'wasm']) {
  test(`${backend}: Tile's gradient equals tfjs's (ranks 1-5, batch 1, odd sizes, reps of 1)`, async () => {
    await tf.setBackend(backend);
    if (backend === 'wasm') registerWasmTrainingKernels();
    const cases: [number[], number[]][] = [
      [[3], [4]], [[1, 5], [7, 1]], [[2, 3], [1, 1]], [[1, 1, 9], [3, 5, 1]], [[2, 3, 4], [2, 1, 3]],
      [[1, 2, 1, 3], [2, 3, 4, 1]], [[5, 1, 3, 2], [1, 2, 3, 2]],
    ];
    let seed = 1;
    for (const [shape, reps] of cases) {
      const x = values(shape, seed++);
      const w = values(shape.map((s, i) => s * (reps[i] ?? 1)), seed++);
      const [theirs, ours] = bothWays(() => [tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.tile(v, reps), w)))(x)]);
      assertClose(`tile ${JSON.stringify(shape)} x ${JSON.stringify(reps)}`, theirs, ours);
    }
    // Rank 5: [1, 5, 1, 3, 2] tiled [2, 1, 2, 3, 2] is [5, 1, 3, 2] tiled [1, 2, 3, 2] with a leading axis of 1 repeated.
    const x = values([1, 5, 1, 3, 2], 50);
    const w = values([2, 5, 2, 9, 4], 51);
    const [theirs5] = bothWays(() => [tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.tile(tf.reshape(v, [5, 1, 3, 2]), [1, 2, 3, 2]), tf.sum(w, 0))))(x)]);
    const got = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.tile(v, [2, 1, 2, 3, 2]), w)))(x).dataSync() as Float32Array);
    assertClose('tile rank 5', theirs5, [got]);
  });

  test(`${backend}: LayerNormalization output and gradients (input, gamma, beta) equal tfjs's`, async () => {
    await tf.setBackend(backend);
    if (backend === 'wasm') registerWasmTrainingKernels();
    const cases: { shape: number[]; axis: number | number[] }[] = [
      { shape: [1, 7], axis: -1 },
      { shape: [1, 5, 3], axis: -1 },
      { shape: [3, 5, 9], axis: -1 },
      { shape: [4, 16, 32], axis: -1 },
      { shape: [2, 3, 4, 6], axis: -1 },
      { shape: [2, 3, 5], axis: [1, 2] },
    ];
    let seed = 100;
    for (const { shape, axis } of cases) {
      const layer = tf.layers.layerNormalization({ axis, epsilon: 1e-3, gammaInitializer: 'randomNormal', betaInitializer: 'randomNormal' });
      const x = values(shape, seed++);
      const w = values(shape, seed++);
      layer.apply(x);
      const fn = () => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w)) as tf.Scalar);
        const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(layer.apply(v) as tf.Tensor, w)))(x);
        return [value, layer.apply(x) as tf.Tensor, dx, ...layer.trainableWeights.map((v) => grads[v.originalName] as tf.Tensor)];
      };
      const [theirs, ours] = bothWays(fn);
      assert.equal(theirs.length, 5);
      assertClose(`LayerNormalization ${JSON.stringify(shape)} axis ${JSON.stringify(axis)}`, theirs, ours);
      layer.dispose();
    }
  });
}
