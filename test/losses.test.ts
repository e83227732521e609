/** Keras losses and metrics: formulas checked against values worked out by hand from Keras's definitions. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { CompileSpec } from '../src/config/types.js';
import { losses, resolveLoss, targetEncodingFor } from '../src/registry/losses.js';
import { metrics, resolveAccuracy } from '../src/registry/metrics.js';
import { evaluate } from '../src/runtime/training/trainer.js';

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

function perSample(loss: string, yTrue: number[][] | number[], yPred: number[][]): number[] {
  return tf.tidy(() => Array.from(losses.get(loss).compute(tf.tensor(yTrue), tf.tensor(yPred)).dataSync()));
}

function close(actual: number[], expected: number[], tol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${actual} vs ${expected}`);
  actual.forEach((a, i) => assert.ok(Math.abs(a - (expected[i] ?? NaN)) < tol, `${actual} vs ${expected}`));
}

describe('losses', () => {
  it('resolves Keras names and aliases, and knows each label encoding', () => {
    assert.equal(losses.get('mse').name, 'mean_squared_error');
    assert.equal(losses.get('MAE').name, 'mean_absolute_error');
    assert.equal(losses.get('kld').name, 'kl_divergence');
    assert.equal(targetEncodingFor('sparse_categorical_crossentropy'), 'sparse');
    assert.equal(targetEncodingFor('categorical_crossentropy'), 'categorical');
    assert.equal(targetEncodingFor('binary_crossentropy'), 'binary');
    assert.equal(targetEncodingFor('huber'), 'regression');
    assert.throws(() => losses.get('mean_sqared_error'), /did you mean "mean_squared_error"/);
  });

  it('computes regression losses per sample', () => {
    close(perSample('mse', [[0, 1], [1, 1]], [[1, 1], [1, 0]]), [0.5, 0.5]);
    close(perSample('mae', [[0, 2]], [[1, 0]]), [1.5]);
    close(perSample('mape', [[2], [0]], [[1], [0]]), [50, 0]);
    close(perSample('msle', [[0]], [[Math.E - 1]]), [1]);
    close(perSample('huber', [[0, 0]], [[0.5, 2]]), [(0.125 + 1.5) / 2]);
    close(perSample('log_cosh', [[0]], [[1]]), [Math.log(Math.cosh(1))]);
    close(perSample('poisson', [[2]], [[1]]), [1 - 2 * Math.log(1 + 1e-7)]);
    close(perSample('cosine_similarity', [[1, 0]], [[1, 1]]), [-Math.SQRT1_2]);
  });

  it('computes probabilistic losses with Keras clipping', () => {
    close(perSample('binary_crossentropy', [[1], [0], [1]], [[0.8], [0.8], [0]]), [-Math.log(0.8), -Math.log(0.2), -Math.log(1e-7)], 1e-3);
    // Keras renormalises categorical predictions to sum 1 before the log.
    close(perSample('categorical_crossentropy', [[1, 0]], [[2, 2]]), [Math.log(2)]);
    const sparseFlat = perSample('sparse_categorical_crossentropy', [0, 2], [[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]]);
    const sparseCol = perSample('sparse_categorical_crossentropy', [[0], [2]], [[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]]);
    close(sparseFlat, [Math.log(2), -Math.log(0.8)]);
    close(sparseCol, sparseFlat);
    close(perSample('kl_divergence', [[0.5, 0.5]], [[0.25, 0.75]]), [0.5 * Math.log(2) + 0.5 * Math.log(2 / 3)]);
  });

  it('computes hinge losses, converting 0/1 labels to -1/1 like Keras', () => {
    close(perSample('hinge', [[0], [1]], [[0.3], [0.3]]), [1.3, 0.7]);
    close(perSample('hinge', [[-1], [1]], [[0.3], [0.3]]), [1.3, 0.7]);
    close(perSample('squared_hinge', [[0]], [[0.3]]), [1.69]);
    close(perSample('categorical_hinge', [[0, 1, 0]], [[0.2, 0.5, 0.3]]), [0.8]);
  });
});

describe('metrics', () => {
  it('resolves accuracy from the loss, then from the shapes', () => {
    assert.equal(resolveAccuracy('binary_crossentropy', [null, 1], [null, 1]), 'binary_accuracy');
    assert.equal(resolveAccuracy('binary_crossentropy', [null, 5], [null, 5]), 'binary_accuracy');
    assert.equal(resolveAccuracy('sparse_categorical_crossentropy', [null], [null, 3]), 'sparse_categorical_accuracy');
    assert.equal(resolveAccuracy('categorical_crossentropy', [null, 3], [null, 3]), 'categorical_accuracy');
    assert.equal(resolveAccuracy('mse', [null, 1], [null, 1]), 'binary_accuracy');
    assert.equal(resolveAccuracy('categorical_hinge', [null, 1], [null, 4]), 'sparse_categorical_accuracy');
    assert.equal(resolveAccuracy('kld', [null, 4], [null, 4]), 'categorical_accuracy');
    assert.equal(metrics.get('acc').name, 'accuracy');
    assert.equal(metrics.get('Precision').name, 'precision');
  });

  /** Dense(1, sigmoid) with kernel 1 and bias 0: predictions are sigmoid(x). */
  function identitySigmoid(): tf.LayersModel {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [1] })] });
    m.setWeights([tf.ones([1, 1]), tf.zeros([1])]);
    return m;
  }

  it('keeps precision and recall stateful over all batches, not a mean of batch values', async () => {
    const logit = Math.log(0.9 / 0.1);
    // Batch 1 (4 rows): 1 TP, 3 FP → precision 0.25. Batch 2 (2 rows): 1 TP, 1 TN → precision 1.
    const x = tf.tensor2d([logit, logit, logit, logit, logit, -logit], [6, 1]);
    const y = tf.tensor2d([1, 0, 0, 0, 1, 0], [6, 1]);
    const model = identitySigmoid();
    const compile: CompileSpec = { optimizer: { type: 'SGD', args: {} }, loss: 'binary_crossentropy', metrics: ['precision', 'recall', 'accuracy'] };
    const r = await evaluate(model, compile, { x, y, size: 6 }, 4);
    close([r.precision ?? NaN], [2 / 5], 1e-6); // (0.25 + 1) / 2 = 0.625 if averaged per batch
    close([r.recall ?? NaN], [1], 1e-6);
    close([r.accuracy ?? NaN], [3 / 6], 1e-6);
    close([r.loss ?? NaN], [(-Math.log(0.9) * 2 - Math.log(0.1) * 3 - Math.log(0.9)) / 6], 1e-4);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('computes ROC AUC over the epoch', async () => {
    // sklearn's roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) is 0.75.
    const p = [0.1, 0.4, 0.35, 0.8];
    const x = tf.tensor2d(p.map((v) => Math.log(v / (1 - v))), [4, 1]);
    const y = tf.tensor2d([0, 0, 1, 1], [4, 1]);
    const model = identitySigmoid();
    const r = await evaluate(model, { optimizer: { type: 'SGD', args: {} }, loss: 'binary_crossentropy', metrics: ['auc'] }, { x, y, size: 4 }, 1);
    close([r.auc ?? NaN], [0.75], 0.01);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('loss arguments (from_logits, label_smoothing, focal, delta)', () => {
  const withArgs = (name: string, args: Record<string, unknown>, yTrue: number[][] | number[], yPred: number[][]) =>
    tf.tidy(() => {
      const r = resolveLoss({ type: name, args });
      assert.ok(r);
      return Array.from(r.compute(tf.tensor(yTrue), tf.tensor(yPred)).dataSync());
    });
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

  it('from_logits gives the loss of the softmax / sigmoid of the logits', () => {
    const logits = [[2, -1, 0.5], [0, 0, 3]];
    const probs = logits.map((r) => {
      const e = r.map(Math.exp);
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    });
    const onehot = [[1, 0, 0], [0, 1, 0]];
    const expected = onehot.map((t, i) => -Math.log((probs[i] as number[])[t.indexOf(1)] as number));
    close(withArgs('categorical_crossentropy', { from_logits: true }, onehot, logits), expected, 1e-5);
    close(withArgs('sparse_categorical_crossentropy', { from_logits: true }, [0, 1], logits), expected, 1e-5);
    // Binary: a logit of 8 is far beyond the 1e-7 clip of probabilities; the logits form stays exact.
    const z = [[8], [-1.5]];
    const t = [[0], [1]];
    close(withArgs('binary_crossentropy', { from_logits: true }, t, z), [-Math.log(1 - sigmoid(8)), -Math.log(sigmoid(-1.5))], 1e-5);
  });

  it('label_smoothing squeezes labels towards 1/classes (categorical) and 0.5 (binary)', () => {
    const p = [[0.7, 0.2, 0.1]];
    const ls = 0.3;
    const t = [1 - ls + ls / 3, ls / 3, ls / 3];
    const expected = -t.reduce((s, v, i) => s + v * Math.log((p[0] as number[])[i] as number), 0);
    close(withArgs('CategoricalCrossentropy', { label_smoothing: ls }, [[1, 0, 0]], p), [expected], 1e-5);
    const tb = 1 * (1 - 0.2) + 0.5 * 0.2;
    close(withArgs('binary_crossentropy', { label_smoothing: 0.2 }, [[1]], [[0.8]]), [-(tb * Math.log(0.8) + (1 - tb) * Math.log(0.2))], 1e-5);
  });

  it('binary focal cross-entropy scales by (1 - p_t)^gamma, with alpha balancing; Huber takes delta', () => {
    const bce = (t: number, p: number) => -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
    // p_t = 0.9 for (1, 0.9) and 0.7 for (0, 0.3).
    const e1 = (0.1 ** 2) * bce(1, 0.9) * 0.25;
    const e2 = (0.3 ** 2) * bce(0, 0.3) * 0.75;
    close(withArgs('BinaryFocalCrossentropy', { apply_class_balancing: true }, [[1], [0]], [[0.9], [0.3]]), [e1, e2], 1e-5);
    // Huber with delta 2: |x| = 3 → 2·3 − 0.5·4 = 4; |x| = 1 → 0.5.
    close(withArgs('huber', { delta: 2 }, [[0, 0]], [[3, 1]]), [(4 + 0.5) / 2], 1e-6);
  });
});

describe('metrics with arguments', () => {
  const ev = async (metric: { type: string; args: Record<string, unknown> } | string, yTrue: tf.Tensor, yPred: number[][], loss = 'mse') => {
    const x = tf.tensor2d(yPred);
    const model = tf.sequential({ layers: [tf.layers.activation({ activation: 'linear', inputShape: [yPred[0]?.length ?? 1] })] });
    const r = await evaluate(model, { optimizer: { type: 'SGD', args: {} }, loss, metrics: [metric] }, { x, y: yTrue, size: yPred.length }, 2);
    tf.dispose([x, yTrue]);
    model.dispose();
    return r;
  };

  it('Precision / Recall take a threshold; AUC takes num_thresholds and logs as "auc"', async () => {
    const p = [[0.2], [0.6], [0.8], [0.4]];
    const y = () => tf.tensor2d([0, 0, 1, 1], [4, 1]);
    // threshold 0.7: positives {0.8} → TP 1, FP 0; recall 1/2. threshold 0.3: {0.6, 0.8, 0.4} → TP 2, FP 1.
    close([(await ev({ type: 'precision', args: { thresholds: 0.7 } }, y(), p)).precision ?? NaN], [1]);
    close([(await ev({ type: 'recall', args: { thresholds: 0.7 } }, y(), p)).recall ?? NaN], [0.5]);
    close([(await ev({ type: 'precision', args: { thresholds: 0.3 } }, y(), p)).precision ?? NaN], [2 / 3]);
    // Exact ROC AUC of these scores: pairs (pos, neg) ranked right: (0.8>0.2, 0.8>0.6, 0.4>0.2) = 3 of 4.
    const auc = await ev({ type: 'auc', args: { num_thresholds: 1000 } }, y(), p);
    close([auc.auc ?? NaN], [0.75], 2e-3);
    const named = await ev({ type: 'auc', args: { name: 'roc' } }, y(), p);
    assert.ok('roc' in named);
  });

  it('top_k_categorical_accuracy takes k; cosine_similarity averages the cosine', async () => {
    const p = [[0.5, 0.3, 0.2], [0.1, 0.3, 0.6]];
    const yt = () => tf.tensor2d([[0, 0, 1], [0, 1, 0]]);
    // Row 1: true class 2 ranks 3rd; row 2: true class 1 ranks 2nd.
    close([(await ev({ type: 'top_k_categorical_accuracy', args: { k: 2 } }, yt(), p)).top_k_categorical_accuracy ?? NaN], [0.5]);
    close([(await ev({ type: 'top_k_categorical_accuracy', args: { k: 3 } }, yt(), p)).top_k_categorical_accuracy ?? NaN], [1]);
    const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0) / (norm(a) * norm(b));
    const expected = (cos([0, 0, 1], p[0] as number[]) + cos([0, 1, 0], p[1] as number[])) / 2;
    close([(await ev('cosine_similarity', yt(), p)).cosine_similarity ?? NaN], [expected], 1e-5);
  });

  it('accuracy with a from_logits binary loss thresholds the logit at 0', async () => {
    const r = await ev('accuracy', tf.tensor2d([1, 0, 1], [3, 1]), [[0.2], [-0.1], [-0.3]], 'binary_crossentropy');
    close([r.accuracy ?? NaN], [1 / 3]);
    const x = tf.tensor2d([[0.2], [-0.1], [-0.3]]);
    const model = tf.sequential({ layers: [tf.layers.activation({ activation: 'linear', inputShape: [1] })] });
    const logits = await evaluate(model, { optimizer: { type: 'SGD', args: {} }, loss: { type: 'binary_crossentropy', args: { from_logits: true } }, metrics: ['accuracy'] }, { x, y: tf.tensor2d([1, 0, 1], [3, 1]), size: 3 }, 3);
    close([logits.accuracy ?? NaN], [2 / 3]);
    tf.dispose(x);
    model.dispose();
  });
});

