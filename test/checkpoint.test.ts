/**
 * Checkpoints in-process: the file-name template, atomic folder replacement, a resume that
 * continues bit-identically (weights, Adam's slots and counters, shuffle order), and
 * ModelCheckpoint's save_best_only.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { CompileSpec } from '../src/config/types.js';
import { completeDir } from '../src/saving/checkpoint/atomic-dir.js';
import { readCheckpoint, readOptimizerSnapshot, restoreModelWeights } from '../src/saving/checkpoint/checkpoint.js';
import { Checkpointer } from '../src/saving/checkpoint/checkpointer.js';
import { disposeSnapshot, restoreOptimizer } from '../src/saving/checkpoint/optimizer-state.js';
import { fillTemplate } from '../src/saving/checkpoint/template.js';
import { permutation, Prng } from '../src/util/prng.js';
import { ModelCheckpoint } from '../src/registry/callbacks/callbacks-model-checkpoint.js';
import { buildOptimizer, train } from '../src/runtime/training/trainer.js';
import { ConfigError } from '../src/util/errors.js';
import { tempDir } from './helpers/cli.js';

const compile: CompileSpec = { optimizer: { type: 'Adam', args: { learning_rate: 0.02 } }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] };

function model(seed: number): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 6, activation: 'relu', inputShape: [3], kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  m.add(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  return m;
}

function data(): { x: tf.Tensor; y: tf.Tensor; size: number } {
  const rng = new Prng(5);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < 40; i++) {
    const row = [rng.normal(), rng.normal(), rng.normal()];
    xs.push(...row);
    ys.push(row[0]! + row[1]! > 0 ? 1 : 0);
  }
  return { x: tf.tensor2d(xs, [40, 3]), y: tf.tensor1d(ys), size: 40 };
}

const nextRng = (size: number) => (state: number) => {
  const r = new Prng(0);
  r.setState(state);
  permutation(size, r);
  return r.getState();
};

describe('checkpoint file names', () => {
  it('fills Python format specs like Keras', () => {
    assert.equal(fillTemplate('ckpt-{epoch:02d}-{val_loss:.3f}', { epoch: 3, val_loss: 0.12345 }), 'ckpt-03-0.123');
    assert.equal(fillTemplate('w{epoch}-{lr:.2e}-{acc:.1%}-{{x}}', { epoch: 12, lr: 0.001, acc: 0.875 }), 'w12-1.00e-03-87.5%-{x}');
    assert.equal(fillTemplate('{loss:>8.2f}|{epoch:<3d}|', { loss: -1.5, epoch: 7 }), '   -1.50|7  |');
    assert.throws(() => fillTemplate('ckpt-{val_los:.2f}', { epoch: 1, val_loss: 1 }), (e: unknown) => e instanceof ConfigError && /did you mean "val_loss"/.test(e.message));
  });
});

describe('checkpoint files', () => {
  before(async () => {
    await tf.setBackend('wasm');
  });

  it('a kill between the two renames leaves the previous checkpoint loadable', () => {
    const dir = tempDir();
    const last = path.join(dir, 'last');
    mkdirSync(last);
    writeFileSync(path.join(last, 'state.json'), '{}');
    renameSync(last, path.join(dir, '.last.old')); // what a kill after the first rename leaves
    return completeDir(last, 'state.json').then((found) => assert.equal(found, path.join(dir, '.last.old')));
  });

  it('resuming from a checkpoint continues exactly like the uninterrupted run (weights, Adam state, shuffle)', async () => {
    const d = data();
    const opts = { batchSize: 8, shuffle: true, seed: 9, callbacks: [] };
    const full = model(1);
    const r = await train(full, compile, d, { ...opts, epochs: 4 });
    const expected = full.getWeights().map((w) => w.dataSync().slice());

    const dir = path.join(tempDir(), 'last');
    const first = model(1);
    const ck = new Checkpointer({ dir, seed: 9, configSha256: 'c', dataSha256: 'd', callbacks: () => [], nextEpochRng: nextRng(40) });
    await train(first, compile, d, { ...opts, epochs: 2, extraCallbacks: [ck] });
    const loaded = await readCheckpoint(dir);
    assert.ok(loaded);
    assert.equal(loaded.state.epoch, 2);
    assert.equal(loaded.state.step, 10); // 2 epochs × 5 batches
    assert.deepEqual(loaded.state.history.loss, r.history.loss?.slice(0, 2));

    const second = model(99); // different initial weights: the checkpoint must overwrite them
    await restoreModelWeights(loaded, second);
    const optimizer = buildOptimizer(compile);
    const snap = await readOptimizerSnapshot(loaded);
    await restoreOptimizer(optimizer, snap, second);
    disposeSnapshot(snap);
    const r2 = await train(second, compile, d, { ...opts, epochs: 4, initialEpoch: 2, optimizer, rngState: loaded.state.rngState });
    optimizer.dispose();
    assert.deepEqual(r2.history.loss, r.history.loss?.slice(2));
    second.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), expected[i], `weight ${i} differs`));
    tf.dispose([d.x, d.y]);
  });
});

describe('ModelCheckpoint', () => {
  it('with save_best_only writes only on improvement, under the filled-in template', async () => {
    await tf.setBackend('wasm');
    const d = data();
    const dir = tempDir();
    const cb = new ModelCheckpoint(
      { filepath: 'ckpt/best-{epoch:02d}-{loss:.4f}', monitor: 'loss', verbose: 0, saveBestOnly: true, saveWeightsOnly: false, mode: 'auto', saveFreq: 'epoch' },
      dir,
    );
    // A learning rate high enough that the loss goes up in some epochs.
    const m = model(3);
    const r = await train(m, { ...compile, optimizer: { type: 'SGD', args: { learning_rate: 3 } } }, d, { epochs: 8, batchSize: 8, shuffle: true, seed: 2, callbacks: [], extraCallbacks: [cb] });
    const losses = r.history.loss ?? [];
    let best = Infinity;
    const expected: string[] = [];
    losses.forEach((l, i) => {
      if (l < best) {
        best = l;
        expected.push(`best-${String(i + 1).padStart(2, '0')}-${l.toFixed(4)}`);
      }
    });
    assert.ok(expected.length < losses.length, `the loss should not improve every epoch: ${losses.join(', ')}`);
    assert.deepEqual(readdirSync(path.join(dir, 'ckpt')).sort(), expected);
    for (const name of expected) {
      assert.ok(existsSync(path.join(dir, 'ckpt', name, 'model.json')));
      assert.ok(existsSync(path.join(dir, 'ckpt', name, 'weights.bin')));
    }
    m.dispose();
    tf.dispose([d.x, d.y]);
  });

  it('with save_freq in batches and save_weights_only writes weights.bin + weights.json every n batches', async () => {
    await tf.setBackend('wasm');
    const d = data();
    const dir = tempDir();
    const cb = new ModelCheckpoint(
      { filepath: 'w-{epoch}-{batch:03d}', monitor: 'loss', verbose: 0, saveBestOnly: false, saveWeightsOnly: true, mode: 'auto', saveFreq: 3 },
      dir,
    );
    const m = model(4);
    // 2 epochs × 5 batches = 10 batches: saves after batches 3, 6, 9 (counted across epochs, as Keras does).
    await train(m, compile, d, { epochs: 2, batchSize: 8, shuffle: false, seed: 1, callbacks: [], extraCallbacks: [cb] });
    assert.deepEqual(readdirSync(dir).sort(), ['w-1-003', 'w-2-001', 'w-2-004']);
    for (const name of readdirSync(dir)) assert.deepEqual(readdirSync(path.join(dir, name)).sort(), ['weights.bin', 'weights.json']);
    m.dispose();
    tf.dispose([d.x, d.y]);
  });
});
