/**
 * Optimizers against Keras 3's published update rules, computed by hand here (plain arithmetic
 * from keras/src/optimizers/{adam,adamw,nadam}.py and base_optimizer.py), not by running kerats.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { optimizers } from '../src/registry/optimizers.js';
import { getLearningRate } from '../src/registry/optimizers/learning-rate.js';

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

/** Runs `steps` optimizer steps of loss 0.5·Σw² (gradient = w) from `w0`; returns w after each step. */
function run(type: string, args: Record<string, unknown>, w0: number[], steps: number, loss?: (w: tf.Variable) => tf.Scalar): number[][] {
  const opt = optimizers.get(type).build(args);
  const w = tf.variable(tf.tensor1d(w0));
  const out: number[][] = [];
  for (let i = 0; i < steps; i++) {
    opt.minimize(() => (loss ? loss(w) : tf.mul(0.5, tf.sum(tf.square(w)))) as tf.Scalar, false, [w]);
    out.push(Array.from(w.dataSync()));
  }
  opt.dispose();
  w.dispose();
  return out;
}

function close(actual: number[] | undefined, expected: number[], tol = 1e-6): void {
  assert.ok(actual, 'no value');
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - (expected[i] ?? NaN)) <= tol * Math.max(1, Math.abs(expected[i] ?? 0)), `${actual} vs ${expected}`));
}

describe('Keras update rules, two hand-computed steps', () => {
  it('AdamW: decoupled decay w -= w·wd·lr, then the Adam step (gradient taken before the decay)', () => {
    const lr = 0.1, wd = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-7;
    let w = 1.5, m = 0, v = 0;
    const expected: number[] = [];
    for (let t = 1; t <= 2; t++) {
      const g = w; // d/dw 0.5·w², at the weights before this step
      w = w - w * wd * lr;
      m = m + (g - m) * (1 - b1);
      v = v + (g * g - v) * (1 - b2);
      const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      w = w - (m * alpha) / (Math.sqrt(v) + eps);
      expected.push(w);
    }
    const got = run('AdamW', { learning_rate: lr, weight_decay: wd }, [1.5], 2);
    close(got[0], [expected[0] as number]);
    close(got[1], [expected[1] as number]);
    // The decay matters: plain Adam ends elsewhere.
    const adam = run('Adam', { learning_rate: lr }, [1.5], 2);
    assert.ok(Math.abs((adam[1]?.[0] ?? 0) - (expected[1] as number)) > 1e-3);
  });

  it('Nadam: momentum-cache product μ_t = β1(1 − ½·0.96^t) and Keras 3\'s m̂ / v̂', () => {
    const lr = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-7;
    let w = 2, m = 0, v = 0, prod = 1;
    const expected: number[] = [];
    for (let t = 1; t <= 2; t++) {
      const g = w;
      const uT = b1 * (1 - 0.5 * 0.96 ** t);
      const uT1 = b1 * (1 - 0.5 * 0.96 ** (t + 1));
      prod *= uT;
      const prodNext = prod * uT1;
      m = m + (g - m) * (1 - b1);
      v = v + (g * g - v) * (1 - b2);
      const mHat = (uT1 * m) / (1 - prodNext) + ((1 - uT) * g) / (1 - prod);
      const vHat = v / (1 - b2 ** t);
      w = w - (mHat * lr) / (Math.sqrt(vHat) + eps);
      expected.push(w);
    }
    const got = run('Nadam', { learning_rate: lr }, [2], 2);
    close(got[0], [expected[0] as number]);
    close(got[1], [expected[1] as number]);
  });

  it('Adam amsgrad uses the running maximum of the second moment', () => {
    // Gradient 10 then 0.1: v shrinks on step 2, v̂ keeps the step-1 value.
    const lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-7;
    const grads = [10, 0.1];
    let w = 0, m = 0, v = 0, vh = 0;
    for (let t = 1; t <= 2; t++) {
      const g = grads[t - 1] as number;
      m = m + (g - m) * (1 - b1);
      v = v + (g * g - v) * (1 - b2);
      vh = Math.max(vh, v);
      w = w - (m * ((lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t))) / (Math.sqrt(vh) + eps);
    }
    let step = 0;
    const got = run('Adam', { learning_rate: lr, amsgrad: true }, [0], 2, (x) => tf.sum(tf.mul(x, grads[step++] as number)) as tf.Scalar);
    close(got[1], [w]);
  });

  it('SGD with Nesterov momentum: m = μm − lr·g; w += μm − lr·g', () => {
    const lr = 0.1, mu = 0.9;
    let w = 1, m = 0;
    for (let t = 0; t < 2; t++) {
      const g = w;
      m = mu * m - lr * g;
      w = w + mu * m - lr * g;
    }
    close(run('SGD', { learning_rate: lr, momentum: mu, nesterov: true }, [1], 2)[1], [w]);
  });
});

describe('gradient clipping', () => {
  it('clipnorm rescales each gradient to the norm, clipvalue clips elements, global_clipnorm scales all together', () => {
    // Gradient of 0.5·Σw² is w = [3, 4] (norm 5); SGD lr 1 makes the step equal to the clipped gradient.
    close(run('SGD', { learning_rate: 1, clipnorm: 1 }, [3, 4], 1)[0], [3 - 0.6, 4 - 0.8]);
    close(run('SGD', { learning_rate: 1, clipvalue: 3.5 }, [3, 4], 1)[0], [0, 0.5]);
    close(run('SGD', { learning_rate: 1, global_clipnorm: 2.5 }, [3, 4], 1)[0], [1.5, 2]);
    close(run('SGD', { learning_rate: 1, clipnorm: 10 }, [3, 4], 1)[0], [0, 0]);
  });
});

describe('learning-rate schedules', () => {
  it('evaluates ExponentialDecay per optimizer step, like Keras (step 0 uses the initial rate)', () => {
    const opt = optimizers.get('SGD').build({ learning_rate: { ExponentialDecay: { initial_learning_rate: 0.1, decay_steps: 2, decay_rate: 0.5, staircase: true } } });
    const w = tf.variable(tf.scalar(0));
    const rates: number[] = [];
    for (let i = 0; i < 5; i++) {
      rates.push(getLearningRate(opt));
      opt.minimize(() => tf.mul(w, 1) as tf.Scalar, false, [w]);
    }
    assert.deepEqual(rates, [0.1, 0.1, 0.05, 0.05, 0.025]);
    // w moved by the sum of the rates (gradient 1).
    assert.ok(Math.abs((w.dataSync()[0] ?? 0) + 0.325) < 1e-6);
    opt.dispose();
    w.dispose();
  });

  it('PiecewiseConstantDecay and CosineDecay with warmup give Keras\'s values', () => {
    const at = (lrSpec: unknown, steps: number) => {
      const opt = optimizers.get('SGD').build({ learning_rate: lrSpec });
      const w = tf.variable(tf.scalar(0));
      const rates: number[] = [];
      for (let i = 0; i < steps; i++) {
        rates.push(getLearningRate(opt));
        opt.minimize(() => tf.mul(w, 1) as tf.Scalar, false, [w]);
      }
      opt.dispose();
      w.dispose();
      return rates;
    };
    assert.deepEqual(at({ PiecewiseConstantDecay: { boundaries: [1, 3], values: [1, 0.5, 0.1] } }, 5), [1, 1, 0.5, 0.5, 0.1]);
    const cos = at({ CosineDecay: { initial_learning_rate: 0, decay_steps: 4, warmup_target: 1, warmup_steps: 2, alpha: 0 } }, 7);
    // Warmup 0 → 0.5 → then cosine from 1 over 4 steps: 1, cos²(π/8)…, then floor 0.
    const expected = [0, 0.5, 1, 0.5 * (1 + Math.cos(Math.PI / 4)), 0.5, 0.5 * (1 + Math.cos((3 * Math.PI) / 4)), 0];
    cos.forEach((r, i) => assert.ok(Math.abs(r - (expected[i] ?? NaN)) < 1e-9, `${cos} vs ${expected}`));
  });
});

describe('optimizer state', () => {
  it('getWeights/setWeights restore slots and the iteration count: a restored optimizer continues identically', async () => {
    const lossFn = (w: tf.Variable) => tf.sum(tf.mul(tf.square(tf.sub(w, tf.tensor1d([1, -2, 3]))), tf.tensor1d([1, 2, 3]))) as tf.Scalar;
    for (const type of ['Adam', 'AdamW', 'Nadam', 'RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'SGD']) {
      const args = { learning_rate: 0.05, ...(type === 'SGD' || type === 'RMSprop' ? { momentum: 0.9 } : {}) };
      const a = optimizers.get(type).build(args);
      const w = tf.variable(tf.tensor1d([0, 0, 0]), true, `w_${type}`);
      for (let i = 0; i < 3; i++) a.minimize(() => lossFn(w), false, [w]);
      const state = await a.getWeights();
      const saved = w.clone();
      for (let i = 0; i < 2; i++) a.minimize(() => lossFn(w), false, [w]);
      const continued = Array.from(w.dataSync());

      w.assign(saved);
      const b = optimizers.get(type).build(args);
      await b.setWeights(state);
      assert.equal(b.iterations, 3, type);
      for (let i = 0; i < 2; i++) b.minimize(() => lossFn(w), false, [w]);
      assert.deepEqual(Array.from(w.dataSync()), continued, type);
      tf.dispose([saved, ...state.map((s) => s.tensor)]);
      a.dispose();
      b.dispose();
      w.dispose();
    }
  });

  it('refuses more than one clipping argument, as Keras does', () => {
    assert.throws(() => optimizers.get('Adam').build({ clipnorm: 1, global_clipnorm: 1 }), (e: Error) => e.name === 'ConfigError' && /only one of/.test(e.message));
  });
});
