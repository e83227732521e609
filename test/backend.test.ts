/** Backend selection: what `auto` picks here, and the reasons given for what it cannot use. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import util from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describeLoadFailure, listBackends, useBackend } from '../src/runtime/backend.js';
import { installNodeCompat } from '../src/runtime/node-compat.js';
import { KeratsError } from '../src/util/errors.js';
import { autoChoice, NATIVE_TF_MIN_BATCH, NATIVE_TF_MIN_PARAMS } from '../src/runtime/auto-choice.js';

// An empty `kerats setup` cache: these tests are about a machine where no TensorFlow backend is set up
// (test/tensorflow-backend.test.ts covers the set-up one).
process.env.KERATS_TF_CACHE = mkdtempSync(path.join(os.tmpdir(), 'kerats-no-tf-'));

test('auto picks wasm when the native backends are absent, and says why they are', async () => {
  const list = await listBackends();
  assert.deepEqual(list.map((b) => b.name), ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
  for (const b of list.slice(0, 2)) {
    assert.equal(b.available, false);
    // Absent (npm skipped it) or present without libtensorflow (its download failed): both say why.
    assert.match(b.reason ?? '', /^(not installed \(kerats setup tensorflow(-gpu)? builds it from a local TensorFlow, or npm install @tensorflow\/tfjs-node(-gpu)?\)|native library missing: .*tfjs_binding\.node.*)$/);
  }
  const active = await useBackend('auto');
  assert.equal(active.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(active.tfjsVersion, '4.22.0');
});

test('asking for an unavailable backend is a usage error naming the reason', async () => {
  await assert.rejects(useBackend('tensorflow'), (e: unknown) => {
    assert.ok(e instanceof KeratsError);
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /backend "tensorflow" is not available: tensorflow: (not installed|native library missing)/);
    return true;
  });
  const cpu = await useBackend('cpu');
  assert.equal(cpu.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
});

test('load failures are explained: missing package, missing libtensorflow, no CUDA', () => {
  const notFound = Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node' imported from x"), { code: 'ERR_MODULE_NOT_FOUND' });
  assert.equal(describeLoadFailure('@tensorflow/tfjs-node', notFound), 'not installed (kerats setup tensorflow builds it from a local TensorFlow, or npm install @tensorflow/tfjs-node)');
  const dlopen = new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');
  assert.match(describeLoadFailure('@tensorflow/tfjs-node', dlopen), /^native library missing: libtensorflow\.so\.2.*reinstall @tensorflow\/tfjs-node/);
  assert.match(describeLoadFailure('@tensorflow/tfjs-node-gpu', new Error('Could not load dynamic library libcudart.so.11.0')), /^no usable CUDA/);
});

test('util.isNullOrUndefined exists for tfjs-node even on Node versions that removed it', () => {
  installNodeCompat();
  const u = util as typeof util & { isNullOrUndefined: (v: unknown) => boolean };
  assert.equal(u.isNullOrUndefined(null), true);
  assert.equal(u.isNullOrUndefined(undefined), true);
  assert.equal(u.isNullOrUndefined(0), false);
});

test('auto chooses by the measured rule: TensorFlow only for large models at large batches, and says why', () => {
  const all = ['tensorflow', 'wasm', 'cpu'] as const;
  assert.equal(autoChoice(['wasm', 'cpu'], 1e6, 256).name, 'wasm');
  assert.match(autoChoice(['wasm', 'cpu'], 1e6, 256).why, /no TensorFlow backend is available \(kerats setup tensorflow/);
  assert.equal(autoChoice(all, NATIVE_TF_MIN_PARAMS, NATIVE_TF_MIN_BATCH).name, 'tensorflow');
  assert.equal(autoChoice(all, NATIVE_TF_MIN_PARAMS - 1, 512).name, 'wasm');
  assert.equal(autoChoice(all, 1e6, NATIVE_TF_MIN_BATCH - 1).name, 'wasm');
  assert.match(autoChoice(all, 131, 16).why, /^wasm: the model has 131 parameters and batch 16 \(rule: tensorflow from 50,000 parameters at batch 64\+/);
  assert.match(autoChoice(all, undefined).why, /^wasm: the model's size is not known/);
  assert.equal(autoChoice(['tensorflow-gpu', 'tensorflow', 'wasm'], 1e6, 128).name, 'tensorflow-gpu');
  assert.equal(autoChoice(['tensorflow', 'cpu'], 10, 1).name, 'tensorflow');
});
