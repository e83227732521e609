/**
 * Multi-input / multi-output training (contract 1 and 3), sample and class weights, streamed data
 * (contract 2), fit options (validation_freq, initial_epoch, steps_per_epoch), no tensor leaks.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { CompileSpec } from '../src/config/types.js';
import type { Examples, StreamingExamples, TensorMap } from '../src/runtime/data/types.js';
import type { Callback } from '../src/registry/callbacks/callbacks-types.js';
import { evaluate, train } from '../src/runtime/training/trainer.js';
import { Prng } from '../src/util/prng.js';

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

/** Two inputs (a: 3 features, b: 2), a binary main output and a 3-class auxiliary output. */
function twoHeaded(seed = 1): tf.LayersModel {
  const a = tf.input({ shape: [3], name: 'a' });
  const b = tf.input({ shape: [2], name: 'b' });
  const joined = tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor;
  const h = tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(joined) as tf.SymbolicTensor;
  const main = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'main_output', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }).apply(h) as tf.SymbolicTensor;
  const aux = tf.layers.dense({ units: 3, activation: 'softmax', name: 'aux_output', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: [a, b], outputs: [main, aux] });
}

/** main = (sum of a > 0), aux = argmax-ish bucket of b[0]: learnable from the inputs. */
function multiData(n: number, seed: number): Examples {
  const rng = new Prng(seed);
  const a: number[] = [], b: number[] = [], main: number[] = [], aux: number[] = [];
  for (let i = 0; i < n; i++) {
    const ar = [rng.normal(), rng.normal(), rng.normal()];
    const br = [rng.normal(), rng.normal()];
    a.push(...ar);
    b.push(...br);
    main.push(ar.reduce((s, v) => s + v, 0) > 0 ? 1 : 0);
    const b0 = br[0] as number;
    aux.push(b0 < -0.5 ? 0 : b0 < 0.5 ? 1 : 2);
  }
  return {
    x: { a: tf.tensor2d(a, [n, 3]), b: tf.tensor2d(b, [n, 2]) },
    y: { main_output: tf.tensor2d(main, [n, 1]), aux_output: tf.tensor1d(aux) },
    size: n,
  };
}

const multiCompile: CompileSpec = {
  optimizer: { type: 'Adam', args: { learning_rate: 0.03 } },
  loss: { main_output: 'binary_crossentropy', aux_output: 'sparse_categorical_crossentropy' },
  lossWeights: { main_output: 1, aux_output: 0.2 },
  metrics: { main_output: ['accuracy'], aux_output: ['accuracy'] },
};

function disposeExamples(d: Examples): void {
  const all = (v: tf.Tensor | TensorMap) => (v instanceof tf.Tensor ? [v] : Object.values(v));
  tf.dispose([...all(d.x), ...all(d.y), ...(d.sampleWeight ? [d.sampleWeight] : [])]);
}

/** Hand-computed per-sample losses of the two outputs on `d`. */
function handLosses(model: tf.LayersModel, d: Examples): { main: number[]; aux: number[] } {
  return tf.tidy(() => {
    const x = d.x as TensorMap;
    const y = d.y as TensorMap;
    const [pm, pa] = model.predict([x.a as tf.Tensor, x.b as tf.Tensor]) as tf.Tensor[];
    const p = tf.clipByValue(pm as tf.Tensor, 1e-7, 1 - 1e-7);
    const t = y.main_output as tf.Tensor;
    const main = tf.neg(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, p))))).reshape([-1]);
    const ids = tf.cast(y.aux_output as tf.Tensor, 'int32');
    const aux = tf.neg(tf.sum(tf.mul(tf.oneHot(ids, 3), tf.log(tf.clipByValue(pa as tf.Tensor, 1e-7, 1 - 1e-7))), -1));
    return { main: Array.from(main.dataSync()), aux: Array.from(aux.dataSync()) };
  });
}

const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

describe('multi-input / multi-output models', () => {
  it('trains with losses, loss_weights and metrics per output and logs Keras\'s history keys', async () => {
    const data = multiData(120, 1);
    const val = multiData(40, 2);
    const model = twoHeaded();
    const res = await train(model, multiCompile, data, { epochs: 8, batchSize: 16, shuffle: true, seed: 3, validation: val, callbacks: [] });
    const keys = ['loss', 'main_output_loss', 'aux_output_loss', 'main_output_accuracy', 'aux_output_accuracy'];
    assert.deepEqual(Object.keys(res.history).sort(), [...keys, ...keys.map((k) => `val_${k}`)].sort());
    const loss = res.history.loss ?? [];
    assert.ok((loss[7] ?? 1) < (loss[0] ?? 0) * 0.8, `loss ${loss}`);
    assert.ok((res.history.val_main_output_accuracy?.[7] ?? 0) > 0.75, `${res.history.val_main_output_accuracy}`);

    // evaluate: the total is Σ loss_weight · output loss, each output loss Keras's formula.
    const ev = await evaluate(model, multiCompile, val, 64);
    const hand = handLosses(model, val);
    assert.ok(Math.abs((ev.main_output_loss ?? 0) - mean(hand.main)) < 1e-5, `${ev.main_output_loss} vs ${mean(hand.main)}`);
    assert.ok(Math.abs((ev.aux_output_loss ?? 0) - mean(hand.aux)) < 1e-5);
    assert.ok(Math.abs((ev.loss ?? 0) - (mean(hand.main) + 0.2 * mean(hand.aux))) < 1e-5);
    disposeExamples(data);
    disposeExamples(val);
    model.dispose();
  });

  it('takes loss_weights as a list in output order and one loss string for all outputs', async () => {
    const model = twoHeaded();
    const data = multiData(30, 4);
    // Both outputs with mse (labels as floats): weights [0.5, 2] in model.outputs order.
    const y = data.y as TensorMap;
    const aux = tf.oneHot(tf.cast(y.aux_output as tf.Tensor, 'int32'), 3).toFloat();
    const d2: Examples = { ...data, y: { main_output: y.main_output as tf.Tensor, aux_output: aux } };
    const ev = await evaluate(model, { optimizer: { type: 'SGD', args: {} }, loss: 'mse', lossWeights: [0.5, 2], metrics: [] }, d2, 30);
    assert.ok(Math.abs((ev.loss ?? 0) - (0.5 * (ev.main_output_loss ?? 0) + 2 * (ev.aux_output_loss ?? 0))) < 1e-6);
    aux.dispose();
    disposeExamples(data);
    model.dispose();
  });

  it('reports a missing output in the labels and an unknown output name in compile, in Keras terms', async () => {
    const model = twoHeaded();
    const data = multiData(10, 5);
    const onlyMain: Examples = { ...data, y: { main_output: (data.y as TensorMap).main_output as tf.Tensor } };
    await assert.rejects(train(model, multiCompile, onlyMain, { epochs: 1, batchSize: 8, shuffle: false, callbacks: [] }), (e: Error) => e.name === 'ConfigError' && /aux_output/.test(e.message));
    await assert.rejects(
      train(model, { ...multiCompile, loss: { main_outptu: 'mse', aux_output: 'mse' } }, data, { epochs: 1, batchSize: 8, shuffle: false, callbacks: [] }),
      (e: Error) => e.name === 'ConfigError' && /main_outptu/.test(e.message) && /did you mean "main_output"/.test(e.message),
    );
    disposeExamples(data);
    model.dispose();
  });
});

describe('sample and class weights', () => {
  function single(seed = 1): tf.LayersModel {
    return tf.sequential({ layers: [tf.layers.dense({ units: 3, activation: 'softmax', inputShape: [2], kernelInitializer: tf.initializers.glorotUniform({ seed }) })] });
  }
  function rows(n: number): Examples {
    const rng = new Prng(9);
    const x: number[] = [], y: number[] = [];
    for (let i = 0; i < n; i++) {
      x.push(rng.normal(), rng.normal());
      y.push(i % 3);
    }
    return { x: tf.tensor2d(x, [n, 2]), y: tf.tensor1d(y), size: n };
  }
  const perSample = (model: tf.LayersModel, d: Examples) =>
    tf.tidy(() => {
      const p = tf.clipByValue(model.predict(d.x as tf.Tensor) as tf.Tensor, 1e-7, 1 - 1e-7);
      return Array.from(tf.neg(tf.sum(tf.mul(tf.oneHot(tf.cast(d.y as tf.Tensor, 'int32'), 3), tf.log(p)), -1)).dataSync());
    });
  const compile: CompileSpec = { optimizer: { type: 'SGD', args: { learning_rate: 1e-12 } }, loss: 'sparse_categorical_crossentropy', metrics: [] };

  it('sample_weight: the loss is Σ w·l / batch size (Keras\'s sum_over_batch_size)', async () => {
    const model = single();
    const d = rows(12);
    const w = Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? 0 : i % 2 === 0 ? 3 : 1));
    const weighted: Examples = { ...d, sampleWeight: tf.tensor1d(w) };
    const l = perSample(model, d);
    const ev = await evaluate(model, compile, weighted, 12);
    const expected = l.reduce((s, v, i) => s + v * (w[i] ?? 0), 0) / 12;
    assert.ok(Math.abs((ev.loss ?? 0) - expected) < 1e-5, `${ev.loss} vs ${expected}`);
    disposeExamples(weighted);
    model.dispose();
  });

  it('class_weight weighs each sample\'s loss by its class (unlisted classes weigh 1)', async () => {
    const model = single();
    const d = rows(12);
    const l = perSample(model, d);
    const res = await train(model, compile, d, { epochs: 1, batchSize: 12, shuffle: false, callbacks: [], classWeight: { 0: 0, 1: 5 } });
    const cw = [0, 5, 1];
    const expected = l.reduce((s, v, i) => s + v * (cw[i % 3] ?? 1), 0) / 12;
    assert.ok(Math.abs((res.history.loss?.[0] ?? 0) - expected) < 1e-5, `${res.history.loss} vs ${expected}`);
    disposeExamples(d);
    model.dispose();
  });
});

/** The same examples served as a stream, in order (shuffle ignored), batches built per pull. */
function asStream(d: Examples): StreamingExamples {
  return {
    kind: 'stream',
    size: d.size,
    async *batches(batchSize: number) {
      for (let s = 0; s < d.size; s += batchSize) {
        const n = Math.min(batchSize, d.size - s);
        const take = (v: tf.Tensor | TensorMap): tf.Tensor | TensorMap =>
          v instanceof tf.Tensor ? tf.slice(v, s, n) : Object.fromEntries(Object.entries(v).map(([k, t]) => [k, tf.slice(t, s, n)]));
        yield { x: take(d.x), y: take(d.y) };
      }
    },
  };
}

describe('streamed data and fit options', () => {
  it('trains on a stream exactly as on the same batches in memory, and disposes every streamed batch', async () => {
    const data = multiData(50, 6);
    const weights = async (src: Examples | StreamingExamples) => {
      const model = twoHeaded(4);
      await train(model, multiCompile, src, { epochs: 2, batchSize: 16, shuffle: false, callbacks: [] });
      const w = model.getWeights().map((t) => Array.from(t.dataSync()));
      model.dispose();
      return w;
    };
    const inMemory = await weights(data);
    const before = tf.memory().numTensors;
    const streamed = await weights(asStream(data));
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(streamed, inMemory);
    const model = twoHeaded(4);
    const ev = await evaluate(model, multiCompile, asStream(data), 16);
    const evMem = await evaluate(model, multiCompile, data, 16);
    assert.ok(Math.abs((ev.loss ?? 0) - (evMem.loss ?? 1)) < 1e-6);
    model.dispose();
    disposeExamples(data);
  });

  it('validation_freq validates every n epochs; initial_epoch starts later; steps_per_epoch caps batches', async () => {
    const data = multiData(60, 7);
    const val = multiData(20, 8);
    const model = twoHeaded();
    const seen: { epoch: number; batches: number }[] = [];
    let batches = 0;
    const probe: Callback = {
      name: 'probe',
      onEpochBegin: () => void (batches = 0),
      onBatchEnd: () => void batches++,
      onEpochEnd: (epoch) => void seen.push({ epoch, batches }),
    };
    const res = await train(model, multiCompile, data, {
      epochs: 6, batchSize: 10, shuffle: true, seed: 1, validation: val, callbacks: [], extraCallbacks: [probe],
      validationFreq: 2, initialEpoch: 2, stepsPerEpoch: 3,
    });
    assert.deepEqual(seen, [2, 3, 4, 5].map((epoch) => ({ epoch, batches: 3 })));
    assert.equal(res.epochsCompleted, 4);
    assert.equal(res.history.loss?.length, 4);
    // Epochs 4 and 6 (1-based) are validated: (epoch + 1) % 2 == 0.
    assert.equal(res.history.val_loss?.length, 2);
    disposeExamples(data);
    disposeExamples(val);
    model.dispose();
  });
});

describe('no tensor leaks, reproducibility', () => {
  it('keeps tf.memory().numTensors flat from epoch 2 to epoch 20 (AdamW, a schedule, two outputs)', async () => {
    const data = multiData(40, 10);
    const val = multiData(16, 11);
    const model = twoHeaded();
    const counts: number[] = [];
    const probe: Callback = { name: 'probe', onEpochEnd: () => void counts.push(tf.memory().numTensors) };
    const compile: CompileSpec = {
      ...multiCompile,
      optimizer: { type: 'AdamW', args: { learning_rate: { CosineDecay: { initial_learning_rate: 0.01, decay_steps: 50 } }, clipnorm: 1 } },
      metrics: { main_output: ['accuracy', 'auc'], aux_output: ['accuracy'] },
    };
    await train(model, compile, data, {
      epochs: 20, batchSize: 16, shuffle: true, seed: 2, validation: val,
      callbacks: [{ type: 'EarlyStopping', args: { monitor: 'val_loss', patience: 50, restore_best_weights: true } }],
      extraCallbacks: [probe],
    });
    assert.equal(counts.length, 20);
    assert.equal(counts[19], counts[1]);
    disposeExamples(data);
    disposeExamples(val);
    model.dispose();
  });

  it('gives byte-identical weights for the same seed with AdamW and Nadam', async () => {
    const data = multiData(40, 12);
    for (const type of ['AdamW', 'Nadam']) {
      const once = async (seed: number) => {
        const model = twoHeaded(5);
        await train(model, { ...multiCompile, optimizer: { type, args: { learning_rate: 0.01 } } }, data, { epochs: 3, batchSize: 8, shuffle: true, seed, callbacks: [] });
        const w = model.getWeights().map((t) => Array.from(t.dataSync()));
        model.dispose();
        return w;
      };
      assert.deepEqual(await once(7), await once(7), type);
      assert.notDeepEqual(await once(7), await once(8), type);
    }
    disposeExamples(data);
  });
});
