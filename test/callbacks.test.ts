/** Keras callbacks in kerats' loop: EarlyStopping semantics, weight restoring, LR reduction, NaN stop, CSV log. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { CompileSpec, NamedEntry } from '../src/config/types.js';
import { callbacks } from '../src/registry/callbacks.js';
import type { Callback, Logs, TrainingContext } from '../src/registry/callbacks/callbacks-types.js';
import { Prng } from '../src/util/prng.js';
import { train } from '../src/runtime/training/trainer.js';
import { protoFields as fields, tfRecords } from './helpers/tfrecord.js';

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

/** A context without a model: enough to drive callbacks through a scripted sequence of logs. */
function fakeContext(logKeys: string[], lr = 0.1) {
  let rate = lr;
  const messages: string[] = [];
  const ctx = {
    model: undefined as unknown as tf.LayersModel,
    optimizer: undefined as unknown as tf.Optimizer,
    epochs: 100,
    stepsPerEpoch: 1,
    epoch: 0,
    step: 0,
    rngState: () => 0,
    logKeys,
    stopReason: undefined as string | undefined,
    get stopRequested() {
      return this.stopReason !== undefined;
    },
    directionOf: (k: string) => (k.replace(/^val_/, '') === 'accuracy' ? 'up' : k.replace(/^val_/, '') === 'loss' ? 'down' : undefined),
    stopTraining(reason: string) {
      this.stopReason ??= reason;
    },
    getWeights: () => [],
    setWeights: () => undefined,
    getLearningRate: () => rate,
    setLearningRate: (v: number) => void (rate = v),
    log: (m: string) => void messages.push(m),
  } satisfies TrainingContext & { stopReason: string | undefined };
  return { ctx, messages };
}

/** Feeds `values` of `monitor` epoch by epoch; returns the 0-based epoch at which stop was requested. */
async function stopEpoch(entry: NamedEntry, monitor: string, values: number[]): Promise<number | undefined> {
  const cb = callbacks.get(entry.type).create(entry.args, {});
  const { ctx } = fakeContext(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
  await cb.onTrainBegin?.(ctx);
  for (let e = 0; e < values.length; e++) {
    await cb.onEpochEnd?.(e, { [monitor]: values[e] as number }, ctx);
    if (ctx.stopRequested) return e;
  }
  return undefined;
}

describe('EarlyStopping', () => {
  it('stops once patience epochs pass without improvement', async () => {
    const es = (args: Record<string, unknown>): NamedEntry => ({ type: 'EarlyStopping', args });
    assert.equal(await stopEpoch(es({ patience: 2 }), 'val_loss', [1.0, 0.9, 0.95, 0.91, 0.8]), 3);
    assert.equal(await stopEpoch(es({ patience: 0 }), 'val_loss', [1.0, 1.1]), 1);
    // Never at the first epoch, even with patience 0.
    assert.equal(await stopEpoch(es({ patience: 0 }), 'val_loss', [1.0]), undefined);
    // Improvements smaller than min_delta do not count.
    assert.equal(await stopEpoch(es({ patience: 2, min_delta: 0.05 }), 'val_loss', [1.0, 0.98, 0.97, 0.5]), 2);
    // mode auto: accuracy should rise.
    assert.equal(await stopEpoch(es({ monitor: 'val_accuracy', patience: 1 }), 'val_accuracy', [0.5, 0.6, 0.55]), 2);
    assert.equal(await stopEpoch(es({ monitor: 'val_accuracy', patience: 1, mode: 'min' }), 'val_accuracy', [0.5, 0.6, 0.55]), 1);
    // Baseline: improvements that do not beat the baseline do not reset the wait...
    assert.equal(await stopEpoch(es({ patience: 2, baseline: 0.5 }), 'val_loss', [1.0, 0.9, 0.95]), 2);
    assert.equal(await stopEpoch(es({ patience: 2 }), 'val_loss', [1.0, 0.9, 0.95]), undefined);
    // ...but, as in Keras, an epoch that improves on the best never stops training.
    assert.equal(await stopEpoch(es({ patience: 2, baseline: 0.5 }), 'val_loss', [1.0, 0.9, 0.8, 0.7]), undefined);
    // Warm-up epochs are ignored.
    assert.equal(await stopEpoch(es({ patience: 1, start_from_epoch: 3 }), 'val_loss', [1, 2, 3, 4, 5]), 4);
  });

  it('rejects a monitor that is never logged, with a suggestion', async () => {
    const cb = callbacks.get('EarlyStopping').create({ monitor: 'val_acuracy' }, { loc: { file: 'c.yaml', line: 9, col: 5 } });
    const { ctx } = fakeContext(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    assert.throws(() => cb.onTrainBegin?.(ctx), (e: Error) => e.name === 'ConfigError' && /c\.yaml:9:5/.test(e.message) && /did you mean .*"val_accuracy"/.test(e.message));
    const noVal = callbacks.get('EarlyStopping').create({}, {});
    assert.throws(() => noVal.onTrainBegin?.(fakeContext(['loss']).ctx), /no validation data/);
  });

  it('restores the best epoch\'s weights after stopping on a real model', async () => {
    // Validation labels are the opposite of training labels: the better the fit, the worse val_loss.
    const rng = new Prng(3);
    const rand = () => rng.next();
    const n = 64;
    const xs = Array.from({ length: n }, () => rand() * 4 - 2);
    const x = tf.tensor2d(xs, [n, 1]);
    const y = tf.tensor2d(xs.map((v) => (v > 0 ? 1 : 0)), [n, 1]);
    const yFlip = tf.tensor2d(xs.map((v) => (v > 0 ? 0 : 1)), [n, 1]);
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [1], kernelInitializer: 'zeros' })],
    });
    const snapshots: number[][] = [];
    const record: Callback = { name: 'record', onEpochEnd: () => void snapshots.push(model.getWeights().flatMap((w) => Array.from(w.dataSync()))) };
    const compile: CompileSpec = { optimizer: { type: 'SGD', args: { learning_rate: 0.5 } }, loss: 'binary_crossentropy', metrics: ['accuracy'] };
    const patience = 3;
    const r = await train(model, compile, { x, y, size: n }, {
      epochs: 30, batchSize: 16, shuffle: true, seed: 1,
      validation: { x, y: yFlip, size: n },
      callbacks: [{ type: 'EarlyStopping', args: { monitor: 'val_loss', patience, restore_best_weights: true } }],
      extraCallbacks: [record],
    });
    const valLoss = r.history.val_loss ?? [];
    const best = valLoss.indexOf(Math.min(...valLoss)) + 1;
    assert.equal(r.stoppedEarly, true);
    assert.match(r.stopReason ?? '', /val_loss did not improve for 3 epochs/);
    assert.equal(r.epochsCompleted, best + patience);
    assert.equal(r.restoredEpoch, best);
    assert.equal(r.bestEpoch, best);
    const now = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
    assert.deepEqual(now, snapshots[best - 1]);
    assert.notDeepEqual(now, snapshots[snapshots.length - 1]);
    tf.dispose([x, y, yFlip]);
    model.dispose();
  });
});

describe('other callbacks', () => {
  it('ReduceLROnPlateau divides the rate after patience, respects cooldown and min_lr, logs learning_rate', async () => {
    const cb = callbacks.get('ReduceLROnPlateau').create({ monitor: 'loss', factor: 0.5, patience: 1, cooldown: 2, min_lr: 0.02 }, {});
    const { ctx } = fakeContext(['loss'], 0.1);
    await cb.onTrainBegin?.(ctx);
    const rates: number[] = [];
    for (const [e, loss] of [1, 1, 1, 1, 1, 1, 1].entries()) {
      const logs: Logs = { loss };
      await cb.onEpochEnd?.(e, logs, ctx);
      rates.push(ctx.getLearningRate());
      assert.equal(typeof logs.learning_rate, 'number');
    }
    // e1: reduce to 0.05; e2: cooldown; e3: reduce to 0.025; e4: cooldown; e5: 0.02 (floor); e6: cooldown.
    // (Keras decrements the cooldown before checking it, so cooldown N holds the rate for N-1 epochs.)
    assert.deepEqual(rates, [0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02]);
  });

  it('TerminateOnNaN stops training at the first non-finite batch loss', async () => {
    const x = tf.tensor2d([1, NaN, 2, 3, 4, 5], [6, 1]);
    const y = tf.tensor2d([1, 2, 3, 4, 5, 6], [6, 1]);
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
    const r = await train(model, { optimizer: { type: 'SGD', args: {} }, loss: 'mse', metrics: [] }, { x, y, size: 6 }, {
      epochs: 5, batchSize: 2, shuffle: false, callbacks: [{ type: 'TerminateOnNaN', args: {} }],
    });
    assert.equal(r.stoppedEarly, true);
    assert.equal(r.epochsCompleted, 1);
    assert.match(r.stopReason ?? '', /TerminateOnNaN: batch 0/);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('CSVLogger writes one row per epoch, read back from disk', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kerats-csv-'));
    const x = tf.tensor2d([0, 1, 2, 3], [4, 1]);
    const y = tf.tensor2d([0, 2, 4, 6], [4, 1]);
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
    await train(model, { optimizer: { type: 'SGD', args: {} }, loss: 'mse', metrics: ['mae'] }, { x, y, size: 4 }, {
      epochs: 3, batchSize: 2, shuffle: false, outputDir: dir, callbacks: [{ type: 'CSVLogger', args: { filename: 'log.csv' } }],
    });
    const lines = fs.readFileSync(path.join(dir, 'log.csv'), 'utf8').trim().split('\n');
    assert.equal(lines[0], 'epoch,loss,mae');
    assert.equal(lines.length, 4);
    assert.match(lines[3] ?? '', /^2,\d+(\.\d+)?(e-?\d+)?,\d/);
    fs.rmSync(dir, { recursive: true });
    tf.dispose([x, y]);
    model.dispose();
  });

  it('ReduceLROnPlateau on a real run: the rate halves after `patience` epochs without improvement and the optimizer uses it', async () => {
    const x = tf.tensor2d([0, 1, 2, 3], [4, 1]);
    const y = tf.tensor2d([1, 3, 5, 7], [4, 1]);
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros' })] });
    const used: number[] = [];
    const probe: Callback = { name: 'probe', onBatchBegin: (_b, ctx) => void used.push(ctx.getLearningRate()) };
    // min_delta 100: no epoch after the first counts as an improvement, so the loss "plateaus".
    const r = await train(model, { optimizer: { type: 'SGD', args: { learning_rate: 0.02 } }, loss: 'mse', metrics: [] }, { x, y, size: 4 }, {
      epochs: 6, batchSize: 4, shuffle: false,
      callbacks: [{ type: 'ReduceLROnPlateau', args: { monitor: 'loss', factor: 0.5, patience: 2, min_delta: 100 } }],
      extraCallbacks: [probe],
    });
    // Keras logs the rate the epoch ran with; epochs 3 and 5 (0-based 2, 4) end with a reduction.
    assert.deepEqual(r.history.learning_rate, [0.02, 0.02, 0.02, 0.01, 0.01, 0.005]);
    assert.deepEqual(used, [0.02, 0.02, 0.02, 0.01, 0.01, 0.005]);
    assert.ok((r.history.loss?.[5] ?? 1e9) < (r.history.loss?.[0] ?? 0));
    tf.dispose([x, y]);
    model.dispose();
  });

  it('LearningRateScheduler sets the rate at each epoch start from a declarative schedule', async () => {
    const x = tf.tensor2d([0, 1, 2, 3], [4, 1]);
    const y = tf.tensor2d([1, 3, 5, 7], [4, 1]);
    const run = async (schedule: unknown) => {
      const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros' })] });
      const used: number[] = [];
      const probe: Callback = { name: 'probe', onBatchBegin: (_b, ctx) => void used.push(ctx.getLearningRate()) };
      const r = await train(model, { optimizer: { type: 'SGD', args: { learning_rate: 0.04 } }, loss: 'mse', metrics: [] }, { x, y, size: 4 }, {
        epochs: 5, batchSize: 4, shuffle: false, callbacks: [{ type: 'LearningRateScheduler', args: { schedule } }], extraCallbacks: [probe],
      });
      model.dispose();
      assert.deepEqual(r.history.learning_rate, used);
      return used;
    };
    assert.deepEqual(await run({ step: { every: 2, factor: 0.5 } }), [0.04, 0.04, 0.02, 0.02, 0.01]);
    const exp = await run({ ExponentialDecay: { initial_learning_rate: 0.1, decay_steps: 1, decay_rate: 0.5 } });
    exp.forEach((v, e) => assert.ok(Math.abs(v - 0.1 * 0.5 ** e) < 1e-12));
    assert.throws(
      () => callbacks.get('LearningRateScheduler').create({ schedule: { stpe: { every: 2, factor: 0.5 } } }, {}),
      (e: Error) => e.name === 'ConfigError' && /did you mean "step"/.test(e.message),
    );
    tf.dispose([x, y]);
  });

  it('TensorBoard writes TFRecord event files that an independent reader parses: CRCs, tags, steps, values', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kerats-tb-'));
    const x = tf.tensor2d([0, 1, 2, 3, 4, 5], [6, 1]);
    const y = tf.tensor2d([0, 2, 4, 6, 8, 10], [6, 1]);
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
    const r = await train(model, { optimizer: { type: 'SGD', args: {} }, loss: 'mse', metrics: ['mae'] }, { x, y, size: 6 }, {
      epochs: 3, batchSize: 3, shuffle: false, outputDir: dir, validation: { x, y, size: 6 },
      callbacks: [{ type: 'TensorBoard', args: { log_dir: 'tb', write_graph: false } }],
    });
    const read = (sub: string) => {
      const files = fs.readdirSync(path.join(dir, 'tb', sub));
      assert.equal(files.length, 1);
      assert.match(files[0] ?? '', /^events\.out\.tfevents\.\d+\./);
      return readEvents(fs.readFileSync(path.join(dir, 'tb', sub, files[0] ?? '')));
    };
    const train_ = read('train');
    assert.equal(train_[0]?.fileVersion, 'brain.Event:2');
    const scalars = train_.slice(1);
    assert.deepEqual(scalars.map((e) => e.step), [0, 1, 2]);
    for (const [i, e] of scalars.entries()) {
      assert.equal(e.values.epoch_loss, Math.fround(r.history.loss?.[i] ?? NaN));
      assert.equal(e.values.epoch_mae, Math.fround(r.history.mae?.[i] ?? NaN));
      assert.equal(e.values.epoch_learning_rate, Math.fround(0.01));
      assert.ok(Math.abs((e.wallTime ?? 0) - Date.now() / 1000) < 600);
    }
    const val = read('validation').slice(1);
    assert.deepEqual(val.map((e) => e.values.epoch_loss), (r.history.val_loss ?? []).map((v) => Math.fround(v)));
    fs.rmSync(dir, { recursive: true });
    tf.dispose([x, y]);
    model.dispose();
  });

  it('EarlyStopping and ReduceLROnPlateau state survives getState → JSON → setState (resume)', async () => {
    const values = [1, 0.5, 0.6, 0.7, 0.4, 0.45, 0.5, 0.55, 0.6];
    const entry = { type: 'EarlyStopping', args: { monitor: 'val_loss', patience: 3 } };
    const uninterrupted = await stopEpoch(entry, 'val_loss', values);
    // Same run, interrupted after epoch 5 and resumed with a new callback from the saved state.
    const first = callbacks.get('EarlyStopping').create(entry.args, {});
    const a = fakeContext(['val_loss']).ctx;
    await first.onTrainBegin?.(a);
    for (let e = 0; e <= 5; e++) await first.onEpochEnd?.(e, { val_loss: values[e] as number }, a);
    const saved = JSON.parse(JSON.stringify(first.getState?.())) as unknown;
    const second = callbacks.get('EarlyStopping').create(entry.args, {});
    second.setState?.(saved);
    const b = fakeContext(['val_loss']).ctx;
    await second.onTrainBegin?.(b);
    let stopped: number | undefined;
    for (let e = 6; e < values.length && stopped === undefined; e++) {
      await second.onEpochEnd?.(e, { val_loss: values[e] as number }, b);
      if (b.stopRequested) stopped = e;
    }
    assert.equal(uninterrupted, 7);
    assert.equal(stopped, uninterrupted);

    const rl = callbacks.get('ReduceLROnPlateau').create({ monitor: 'loss', patience: 2, factor: 0.5 }, {});
    const c = fakeContext(['loss'], 0.1).ctx;
    await rl.onTrainBegin?.(c);
    await rl.onEpochEnd?.(0, { loss: 1 }, c);
    await rl.onEpochEnd?.(1, { loss: 1 }, c);
    const rl2 = callbacks.get('ReduceLROnPlateau').create({ monitor: 'loss', patience: 2, factor: 0.5 }, {});
    rl2.setState?.(JSON.parse(JSON.stringify(rl.getState?.())));
    await rl2.onTrainBegin?.(c);
    await rl2.onEpochEnd?.(2, { loss: 1 }, c);
    assert.equal(c.getLearningRate(), 0.05);
  });
});

interface ParsedEvent {
  wallTime?: number;
  step: number;
  fileVersion?: string;
  values: Record<string, number>;
}

/** Reads TFRecord framing (checking both CRCs) and decodes Event / Summary / Summary.Value fields. */
function readEvents(buf: Buffer): ParsedEvent[] {
  const out: ParsedEvent[] = [];
  for (const data of tfRecords(buf)) {
    const ev: ParsedEvent = { step: 0, values: {} };
    for (const f of fields(data)) {
      if (f.no === 1 && f.wire === 1) ev.wallTime = f.buf.readDoubleLE(0);
      else if (f.no === 2 && f.wire === 0) ev.step = f.int;
      else if (f.no === 3 && f.wire === 2) ev.fileVersion = f.buf.toString('utf8');
      else if (f.no === 5 && f.wire === 2) {
        for (const v of fields(f.buf)) {
          if (v.no !== 1) continue;
          let tag = '';
          let value = NaN;
          for (const g of fields(v.buf)) {
            if (g.no === 1) tag = g.buf.toString('utf8');
            if (g.no === 2 && g.wire === 5) value = g.buf.readFloatLE(0);
          }
          ev.values[tag] = value;
        }
      }
    }
    out.push(ev);
  }
  return out;
}

