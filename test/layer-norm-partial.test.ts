/**
 * LayerNormalization without beta (`center: false`), without gamma (`scale: false`) or without
 * both: it trains (tfjs's own layer failed every step with "Cannot read properties of undefined
 * (reading 'id')"), has Keras's parameter count (gamma and beta are one weight of the normalised
 * width each: LayerNormalization(center=False) has gamma only), and still normalises. The same
 * for BatchNormalization (whose tfjs layer failed with "reading 'read'").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadConfigText } from '../src/config/load.js';
import { buildModel } from '../src/runtime/model-builder.js';
import { train } from '../src/runtime/training/trainer.js';

const WIDTH = 8;
const dense = (i: number, u: number): number => i * u + u;

const config = (ln: string, layer = 'LayerNormalization'): string => `
name: ln
seed: 5
model:
  input_shape: [4]
  layers:
    - Dense: {units: ${WIDTH}}
    - ${layer}: ${ln}
    - Dense: {units: 1}
compile: {optimizer: {Adam: {learning_rate: 0.02}}, loss: mse}
`;

const CASES: { ln: string; lnParams: number }[] = [
  { ln: '{center: false}', lnParams: WIDTH }, // gamma
  { ln: '{scale: false}', lnParams: WIDTH }, // beta
  { ln: '{center: false, scale: false}', lnParams: 0 },
  { ln: '{}', lnParams: 2 * WIDTH },
];

function data(n: number): { x: tf.Tensor; y: tf.Tensor } {
  const x = tf.randomUniform([n, 4], -1, 1, 'float32', 11);
  const y = tf.sum(tf.mul(x, tf.tensor1d([1, -2, 0.5, 3])), 1, true);
  return { x, y };
}

for (const backend of ['cpu', 'wasm'] as const) {
  for (const { ln, lnParams } of CASES) {
    test(`${backend}: LayerNormalization ${ln} trains, the loss goes down, ${lnParams} parameters`, async () => {
      await tf.setBackend(backend);
      const c = loadConfigText(config(ln), 'ln.yaml');
      const model = buildModel(c.model, { seed: c.seed });
      const { x, y } = data(64);
      try {
        const norm = model.layers.find((l) => l.getClassName() === 'LayerNormalization');
        assert.ok(norm);
        assert.equal(norm.countParams(), lnParams);
        assert.equal(model.countParams(), dense(4, WIDTH) + lnParams + dense(WIDTH, 1));
        const r = await train(model, c.compile, { x, y, size: 64 }, { epochs: 15, batchSize: 16, shuffle: false, callbacks: [] });
        const loss = r.history.loss ?? [];
        assert.equal(loss.length, 15);
        assert.ok(loss.every(Number.isFinite), String(loss));
        assert.ok((loss.at(-1) ?? Infinity) < 0.5 * (loss[0] ?? 0), `loss ${loss[0]} -> ${loss.at(-1)}`);
        // The output of the normalisation: mean 0 and variance about 1 per sample when it has no beta or gamma.
        if (lnParams === 0) {
          const sub = tf.model({ inputs: model.inputs, outputs: norm.output as tf.SymbolicTensor });
          const out = sub.predict(x) as tf.Tensor;
          const { mean, variance } = tf.moments(out, -1);
          assert.ok(Math.max(...Array.from(mean.dataSync()).map(Math.abs)) < 1e-4);
          // var / (var + epsilon): just under 1 (epsilon 0.001 against the Dense output's small variance).
          for (const v of Array.from(variance.dataSync())) assert.ok(v > 0.8 && v < 1 + 1e-4, `variance ${v}`);
          tf.dispose([out, mean, variance]);
        }
      } finally {
        tf.dispose([x, y]);
        model.dispose();
      }
    });
  }
}

// BatchNormalization had the same bug (tfjs read gamma and beta unconditionally in training).
// Keras: gamma and beta per channel when present, plus the two non-trainable moving statistics.
const BN_CASES: { ln: string; trainable: number }[] = [
  { ln: '{center: false}', trainable: WIDTH },
  { ln: '{scale: false}', trainable: WIDTH },
  { ln: '{center: false, scale: false}', trainable: 0 },
];

for (const backend of ['cpu', 'wasm'] as const) {
  for (const { ln, trainable } of BN_CASES) {
    test(`${backend}: BatchNormalization ${ln} trains, the loss goes down, ${trainable} + ${2 * WIDTH} parameters`, async () => {
      await tf.setBackend(backend);
      const c = loadConfigText(config(ln, 'BatchNormalization'), 'bn.yaml');
      const model = buildModel(c.model, { seed: c.seed });
      const { x, y } = data(64);
      try {
        const norm = model.layers.find((l) => l.getClassName() === 'BatchNormalization');
        assert.ok(norm);
        assert.equal(norm.countParams(), trainable + 2 * WIDTH);
        assert.equal(norm.trainableWeights.length, trainable / WIDTH);
        const r = await train(model, c.compile, { x, y, size: 64 }, { epochs: 15, batchSize: 16, shuffle: false, callbacks: [] });
        const loss = r.history.loss ?? [];
        assert.ok(loss.every(Number.isFinite), String(loss));
        assert.ok((loss.at(-1) ?? Infinity) < 0.5 * (loss[0] ?? 0), `loss ${loss[0]} -> ${loss.at(-1)}`);
        const p = model.predict(x) as tf.Tensor; // inference mode: the moving statistics
        assert.ok(Array.from(p.dataSync()).every(Number.isFinite));
        p.dispose();
      } finally {
        tf.dispose([x, y]);
        model.dispose();
      }
    });
  }
}
