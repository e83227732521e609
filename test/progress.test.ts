/** Progress output: one plain line per epoch for logs and CI, a Keras-style bar on terminals. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { CompileSpec } from '../src/config/types.js';
import { createProgressReporter, formatBar } from '../src/runtime/training/progress.js';
import { abbreviateKey, fitFinalLines, fitLiveLine } from '../src/runtime/training/fit-line.js';
import { Prng } from '../src/util/prng.js';
import { train } from '../src/runtime/training/trainer.js';

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

const ESC = '\u001b';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** Train labels vs flipped validation labels: val_loss rises, so EarlyStopping fires. */
async function run(reporterOpts: { tty: boolean; color: boolean; quiet?: boolean; columns?: number }) {
  const out = capture();
  const rng = new Prng(5);
  const rand = () => rng.next();
  const n = 32;
  const xs = Array.from({ length: n }, () => rand() * 4 - 2);
  const x = tf.tensor2d(xs, [n, 1]);
  const y = tf.tensor2d(xs.map((v) => (v > 0 ? 1 : 0)), [n, 1]);
  const yFlip = tf.tensor2d(xs.map((v) => (v > 0 ? 0 : 1)), [n, 1]);
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [1], kernelInitializer: 'zeros' })] });
  const compile: CompileSpec = { optimizer: { type: 'SGD', args: { learning_rate: 0.5 } }, loss: 'binary_crossentropy', metrics: ['accuracy'] };
  const result = await train(model, compile, { x, y, size: n }, {
    epochs: 20, batchSize: 8, shuffle: true, seed: 2,
    validation: { x, y: yFlip, size: n },
    callbacks: [{ type: 'EarlyStopping', args: { patience: 2, restore_best_weights: true } }],
    reporter: createProgressReporter({ stream: out.stream, ...reporterOpts }),
  });
  tf.dispose([x, y, yFlip]);
  model.dispose();
  return { text: out.text(), result };
}

describe('progress', () => {
  it('prints one plain line per epoch without ANSI codes, then why training stopped', async () => {
    const { text, result } = await run({ tty: false, color: false });
    assert.ok(!text.includes('\x1b'), JSON.stringify(text));
    const lines = text.trimEnd().split('\n');
    const epochLines = lines.filter((l) => l.startsWith('Epoch '));
    assert.equal(epochLines.length, result.epochsCompleted);
    epochLines.forEach((l, i) =>
      assert.match(
        l,
        new RegExp(`^Epoch ${i + 1}/20 - \\d+\\.\\ds - \\d+(ms|us)/step - [\\d.]+k? samples/s - loss: \\d\\.\\d{4} - accuracy: \\d\\.\\d{4} - val_loss: \\d\\.\\d{4} - val_accuracy: \\d\\.\\d{4}$`),
      ),
    );
    // The numbers printed are the history's, to 4 decimals.
    assert.ok(epochLines[0]?.includes(`loss: ${(result.history.loss?.[0] ?? NaN).toFixed(4)}`));
    assert.equal(result.stoppedEarly, true);
    const stopLine = lines.find((l) => l.startsWith('Stopped early'));
    assert.equal(stopLine, `Stopped early at epoch ${result.epochsCompleted}/20: ${result.stopReason}.`);
    assert.match(text, new RegExp(`Restored the model weights from the end of epoch ${result.restoredEpoch} `));
  });

  it('prints nothing when quiet', async () => {
    const { text } = await run({ tty: false, color: false, quiet: true });
    assert.equal(text, '');
  });

  it('draws a Keras-style bar on a terminal, coloured only when asked', async () => {
    const plain = await run({ tty: true, color: false, columns: 120 });
    assert.match(plain.text, /Epoch 1\/20\n(\r[^\n]*)?\r4\/4 \[=+\] \d+\.\ds \d+(ms|us)\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss/);
    assert.ok(!plain.text.includes(`${ESC}[39m`), 'no colour codes without color');
    const coloured = await run({ tty: true, color: true, columns: 120 });
    assert.ok(coloured.text.includes(`${ESC}[39m`), 'colour codes with color');
  });

  it('formats the bar with an arrow head while the epoch runs', () => {
    assert.equal(formatBar(0, 8, 10), `[${' '.repeat(10)}]`);
    assert.equal(formatBar(4, 8, 10), '[====>     ]');
    assert.equal(formatBar(8, 8, 10), '[==========]');
  });

  it('fits the live line to the width: abbreviates names and drops the bar before it drops a metric, never cuts', () => {
    const logs = { loss: 0.41234, sparse_categorical_accuracy: 0.88, top_k_categorical_accuracy: 0.97, mean_absolute_error: 0.1234 };
    const parts = { step: 120, steps: 1875, eta: 73.4, perStep: 0.0123, throughput: 2601, logs };
    const wide = fitLiveLine(parts, 200);
    assert.equal(wide, ' 120/1875 [>                             ] ETA 1m13s 12ms/step 2.6k samples/s - loss: 0.4123 - sparse_categorical_accuracy: 0.8800 - top_k_categorical_accuracy: 0.9700 - mean_absolute_error: 0.1234');
    const medium = fitLiveLine(parts, 96);
    assert.equal(medium, '120/1875 ETA 1m13s - loss: 0.4123 - sp_cat_acc: 0.8800 - topk_cat_acc: 0.9700 - mae: 0.1234');
    const narrow = fitLiveLine(parts, 80);
    assert.equal(narrow, '120/1875 ETA 1m13s loss=0.4123 sp_cat_acc=0.8800 topk_cat_acc=0.9700 mae=0.1234');
    const tiny = fitLiveLine(parts, 40);
    assert.ok(tiny.length <= 39 && tiny.includes('loss=0.4123') && tiny.endsWith('…'), tiny);
    assert.equal(abbreviateKey('val_sparse_categorical_accuracy'), 'val_sp_cat_acc');
    assert.equal(abbreviateKey('sparse_top_k_categorical_accuracy'), 'sp_topk_cat_acc');
    assert.equal(abbreviateKey('out_a_mean_squared_error'), 'out_a_mse');
  });

  it('wraps the final epoch line onto indented lines rather than dropping a number', () => {
    const logs = { loss: 0.4, accuracy: 0.9, precision: 0.8, recall: 0.7, val_loss: 0.5, val_accuracy: 0.85, val_precision: 0.75, val_recall: 0.65 };
    const lines = fitFinalLines({ step: 40, steps: 40, seconds: 2.5, perStep: 0.06, logs }, 50);
    assert.ok(lines.length > 1 && lines.every((l) => l.length <= 49), lines.join('\n'));
    const text = lines.join(' ');
    for (const k of ['loss: 0.4000', 'acc: 0.9000', 'prec: 0.8000', 'rec: 0.7000', 'val_loss: 0.5000', 'val_acc: 0.8500', 'val_prec: 0.7500', 'val_rec: 0.6500']) assert.ok(text.includes(k), k);
  });
});
