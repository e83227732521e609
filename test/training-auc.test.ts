/**
 * AUC as Keras computes it: PR curves by Davis & Goadrich interpolation (Keras's
 * `interpolate_pr_auc`), and `summation_method` interpolation / minoring / majoring, checked on an
 * example small enough to work out by hand.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createMetric } from '../src/registry/metrics.js';
import { loadConfigText } from '../src/config/load.js';

const Y_TRUE = [0, 0, 1, 1, 1, 0, 1, 0];
const Y_PRED = [0.1, 0.4, 0.35, 0.8, 0.65, 0.7, 0.2, 0.05];

/**
 * With num_thresholds 5 the thresholds are -1e-7, 0.25, 0.5, 0.75, 1+1e-7, and predictions
 * strictly above a threshold count as positive:
 *   TP = 4 3 2 1 0   FP = 4 2 1 0 0   FN = 0 1 2 3 4   TN = 0 2 3 4 4
 */
function auc(args: Record<string, unknown>, batches: [number, number][] = [[0, 8]]): number {
  const m = createMetric({ name: 'AUC', args: { num_thresholds: 5, ...args }, loss: 'binary_crossentropy', yTrueShape: [null, 1], yPredShape: [null, 1] });
  m.reset();
  for (const [from, to] of batches) {
    const stats = tf.tidy(() => m.batchStats(tf.tensor2d(Y_TRUE.slice(from, to), [to - from, 1]), tf.tensor2d(Y_PRED.slice(from, to), [to - from, 1])));
    m.accumulate(stats.dataSync());
    stats.dispose();
  }
  return m.result();
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);

describe('AUC summation methods (Keras)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('PR with interpolation is Davis & Goadrich\'s interpolation, not trapezoids', () => {
    // Per interval A→B: slope = ΔTP/ΔP, intercept = TP_B - slope·P_B, area = slope·(ΔTP + intercept·ln(P_A/P_B)) / (TP_B + FN_B);
    // P = TP + FP = 8 5 3 1 0, every ΔTP = 1 and TP_B + FN_B = 4. The last interval has P_B = 0: no log term.
    const expected =
      ((1 / 3) * (1 + (4 / 3) * Math.log(8 / 5))) / 4 + // slope 1/3, intercept 3 - 5/3
      ((1 / 2) * (1 + 0.5 * Math.log(5 / 3))) / 4 + // slope 1/2, intercept 2 - 3/2
      ((1 / 2) * (1 + 0.5 * Math.log(3))) / 4 + // slope 1/2, intercept 1 - 1/2
      (1 * 1) / 4; // slope 1, intercept 0
    close(auc({ curve: 'PR' }), expected, 'PR interpolation');
    // The same counts accumulated over two batches give the same area (stateful over the epoch).
    close(auc({ curve: 'PR' }, [[0, 3], [3, 8]]), expected, 'PR interpolation over two batches');
    // Trapezoids over (recall, precision) would give something else: 0.62917 here.
    const precision = [4 / 8, 3 / 5, 2 / 3, 1, 0];
    const recall = [1, 3 / 4, 2 / 4, 1 / 4, 0];
    let trapezoids = 0;
    for (let i = 0; i < 4; i++) trapezoids += ((recall[i] ?? 0) - (recall[i + 1] ?? 0)) * (((precision[i] ?? 0) + (precision[i + 1] ?? 0)) / 2);
    assert.ok(Math.abs(auc({ curve: 'PR' }) - trapezoids) > 0.1);
  });

  it('minoring and majoring take the lower and the higher height, for ROC and PR', () => {
    // ROC points (FPR, TPR) by threshold: (1,1) (1/2,3/4) (1/4,1/2) (0,1/4) (0,0).
    close(auc({}), 0.5 * 0.875 + 0.25 * 0.625 + 0.25 * 0.375, 'ROC interpolation (trapezoids)');
    close(auc({ summation_method: 'minoring' }), 0.5 * 0.75 + 0.25 * 0.5 + 0.25 * 0.25, 'ROC minoring');
    close(auc({ summation_method: 'majoring' }), 0.5 * 1 + 0.25 * 0.75 + 0.25 * 0.5, 'ROC majoring');
    // PR points (recall, precision): (1,1/2) (3/4,3/5) (1/2,2/3) (1/4,1) (0,0).
    close(auc({ curve: 'PR', summation_method: 'minoring' }), 0.25 * (1 / 2 + 3 / 5 + 2 / 3 + 0), 'PR minoring');
    close(auc({ curve: 'PR', summation_method: 'majoring' }), 0.25 * (3 / 5 + 2 / 3 + 1 + 1), 'PR majoring');
    // Keras's other spellings.
    close(auc({ curve: 'pr', summation_method: 'Majoring' }), 0.25 * (3 / 5 + 2 / 3 + 1 + 1), 'pr / Majoring');
  });

  it('an unknown summation_method is a config error pointing at it', () => {
    const text = [
      'data: {train: {synthetic: {samples: 8, x_shape: [2], classes: 2}}}',
      'model:',
      '  input_shape: [2]',
      '  layers: [{Dense: {units: 1, activation: sigmoid}}]',
      'compile:',
      '  loss: binary_crossentropy',
      '  metrics:',
      '    - AUC: {curve: PR, summation_method: trapezoid}',
    ].join('\n');
    assert.throws(
      () => loadConfigText(text, 'auc.yaml'),
      (e: Error) => e.name === 'ConfigError' && /auc\.yaml:8/.test(e.message) && /summation_method/.test(e.message) && /interpolation/.test(e.message),
    );
  });
});
