/**
 * Training options through the real CLI: a config using loss arguments, AdamW with a schedule,
 * metrics with arguments, class_weight by class name, validation_freq, TensorBoard and a
 * LearningRateScheduler trains end to end; user mistakes in those settings exit 2 with a
 * located, suggestive message and no stack trace.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasStackTrace, kerats, ROOT, tempDir } from './helpers/cli.js';

const IRIS = path.join(ROOT, 'data', 'iris.csv');

function config(dir: string, patch: (text: string) => string = (t) => t): string {
  const text = `name: iris-options
seed: 3
data:
  train: {csv: ${JSON.stringify(IRIS)}, label: species}
  validation_split: 0.2
model:
  input_shape: [4]
  layers:
    - Dense: {units: 12, activation: relu}
    - Dense: {units: 3}
compile:
  optimizer: {AdamW: {learning_rate: {ExponentialDecay: {initial_learning_rate: 0.02, decay_steps: 20, decay_rate: 0.9}}, clipnorm: 1.0}}
  loss: {SparseCategoricalCrossentropy: {from_logits: true}}
  metrics: [accuracy, {SparseTopKCategoricalAccuracy: {k: 2}}]
fit:
  epochs: 4
  batch_size: 16
  validation_freq: 2
  class_weight: {setosa: 1.0, 2: 2.0}
  callbacks:
    - TensorBoard: {log_dir: tb}
    - CSVLogger: {filename: log.csv, separator: ";"}
`;
  const file = path.join(dir, 'cfg.yaml');
  fs.writeFileSync(file, patch(text));
  return file;
}

describe('kerats train with Keras fit/compile options', () => {
  it('trains with loss arguments, AdamW + schedule, metric arguments, class_weight by name, validation_freq, TensorBoard', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'run');
    const r = await kerats(['train', config(dir), '--out', out], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const history = JSON.parse(fs.readFileSync(path.join(out, 'history.json'), 'utf8')) as Record<string, number[]>;
    assert.equal(history.loss?.length, 4);
    assert.equal(history.sparse_top_k_categorical_accuracy?.length, 4);
    assert.equal(history.val_loss?.length, 2); // epochs 2 and 4
    assert.ok((history.loss?.[3] ?? 9) < (history.loss?.[0] ?? 0));
    const csv = fs.readFileSync(path.join(out, 'log.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 5);
    assert.match(csv[0] ?? '', /^epoch;accuracy;loss;/);
    assert.equal(fs.readdirSync(path.join(out, 'tb', 'train')).filter((f) => f.startsWith('events.out.tfevents.')).length, 1);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const bad: [string, (t: string) => string, RegExp][] = [
    ['an unknown class name in class_weight', (t) => t.replace('setosa: 1.0', 'setosaa: 1.0'), /class_weight: "setosaa".*did you mean "setosa"/],
    ['two clipping arguments', (t) => t.replace('clipnorm: 1.0', 'clipnorm: 1.0, clipvalue: 2'), /cfg\.yaml:\d+:\d+: .*only one of "clipnorm", "clipvalue" and "global_clipnorm"/],
    ['ReduceLROnPlateau on a scheduled learning rate', (t) => t.replace('    - CSVLogger: {filename: log.csv, separator: ";"}', '    - ReduceLROnPlateau: {monitor: loss, patience: 0, min_delta: 100}'), /cfg\.yaml:\d+:\d+: .*ReduceLROnPlateau changes the learning rate, but the optimizer's learning_rate is a schedule/],
  ];
  it('validate reports a misspelt loss argument, schedule argument and schedule name at once (exit 2)', async () => {
    const dir = tempDir();
    const file = config(dir, (t) =>
      t
        .replace('from_logits: true', 'from_logit: true')
        .replace('decay_steps: 20', 'decay_step: 20')
        .replace('    - CSVLogger: {filename: log.csv, separator: ";"}', '    - LearningRateScheduler: {schedule: {stepp: {every: 2, factor: 0.5}}}'),
    );
    const r = await kerats(['validate', file], { timeoutMs: 120_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cfg\.yaml:13:\d+: .*no argument "from_logit"; did you mean "from_logits"/);
    assert.match(r.stderr, /cfg\.yaml:12:\d+: .*"decay_step".*did you mean "decay_steps"/);
    assert.match(r.stderr, /cfg\.yaml:\d+:\d+: .*"stepp".*did you mean "step"/);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const [what, patch, message] of bad) {
    it(`exits 2 without a stack trace for ${what}`, async () => {
      const dir = tempDir();
      const r = await kerats(['train', config(dir, patch), '--out', path.join(dir, 'run')], { timeoutMs: 120_000 });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.ok(!hasStackTrace(r.stderr), r.stderr);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }
});
