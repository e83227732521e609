/**
 * kerats' own training loop (instead of tfjs's `model.fit`, which lacks sample weights, stateful
 * epoch metrics, restore_best_weights, optimizer state access and a seeded shuffle).
 *
 * Per batch: a forward pass in training mode (`model.apply(x, {training: true})`, so Dropout drops
 * and BatchNormalization uses batch statistics and updates its moving averages inside its call),
 * the loss = mean over the batch of the per-sample loss + the layers' regularization penalties
 * (`model.calculateLosses()`, computed inside the gradient closure so they are differentiated),
 * one optimizer step over the model's trainable weights, and one read-back of the loss and the
 * metrics' statistics. The logged epoch loss is the batch-size-weighted mean of the batch losses,
 * like Keras's loss tracker.
 */
import * as tf from '@tensorflow/tfjs';
import type { CompileSpec } from '../../config/types.js';
import { callbacks as callbackRegistry } from '../../registry/callbacks.js';
import { losses, type LossEntry } from '../../registry/losses.js';
import { createMetric, metrics as metricRegistry } from '../../registry/metrics.js';
import { optimizers } from '../../registry/optimizers.js';
import { ConfigError, KeratsError } from '../../util/errors.js';
import type { Examples } from '../data/types.js';
import type { Callback, Logs, TrainingContext } from './callbacks-types.js';
import { getLearningRate, setLearningRate } from './learning-rate.js';
import type { Direction, StatefulMetric } from './metrics-state.js';
import { Prng, permutation, randomSeed } from '../../util/prng.js';
import { checkTargets } from './targets-check.js';
import type { TrainOptions, TrainResult } from './types.js';

export type { TrainOptions, TrainResult, ProgressReporter, TrainBeginInfo } from './types.js';

/** Keras's default batch size for evaluate/predict. */
const DEFAULT_EVAL_BATCH = 32;

/** The optimizer a compile section asks for; a user error in its arguments points at the config. */
export function buildOptimizer(compile: CompileSpec): tf.Optimizer {
  const entry = optimizers.find(compile.optimizer.type);
  if (!entry) throw new ConfigError({ message: optimizers.unknownMessage(compile.optimizer.type), loc: compile.optimizer.loc });
  try {
    return entry.build(compile.optimizer.args);
  } catch (e) {
    if (e instanceof KeratsError && !e.problems.some((p) => p.loc)) {
      throw new ConfigError(e.problems.map((p) => ({ ...p, loc: compile.optimizer.loc })));
    }
    throw e;
  }
}

function lossEntry(compile: CompileSpec): LossEntry {
  const entry = losses.find(compile.loss);
  if (!entry) throw new ConfigError(losses.unknownMessage(compile.loss));
  return entry;
}

function buildMetrics(model: tf.LayersModel, compile: CompileSpec, y: tf.Tensor): StatefulMetric[] {
  const yPredShape = model.outputs[0]?.shape ?? [];
  return compile.metrics.map((name) => {
    if (!metricRegistry.find(name)) throw new ConfigError(metricRegistry.unknownMessage(name));
    return createMetric({ name, loss: compile.loss, yTrueShape: y.shape, yPredShape });
  });
}

/** Rows [start, start + size) of x and y, in `order` when shuffling. Call inside tidy. */
function batchOf(data: Examples, order: tf.Tensor1D | undefined, start: number, size: number): [tf.Tensor, tf.Tensor] {
  if (!order) return [tf.slice(data.x, start, size), tf.slice(data.y, start, size)];
  const idx = tf.slice(order, start, size);
  return [tf.gather(data.x, idx), tf.gather(data.y, idx)];
}

/** The loss of one batch's predictions as Keras computes it: batch mean plus regularization penalties. */
function batchLoss(model: tf.LayersModel, loss: LossEntry, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  const mean = tf.mean(loss.compute(yTrue, yPred));
  const penalties = model.calculateLosses();
  return (penalties.length > 0 ? tf.addN([mean, ...penalties]) : mean) as tf.Scalar;
}

/** [batch loss, ...each metric's statistics] as one 1-D tensor, read back with a single sync. */
function packStats(total: tf.Tensor, ms: StatefulMetric[], yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor1D {
  return tf.concat([tf.reshape(total, [1]), ...ms.map((m) => tf.reshape(m.batchStats(yTrue, yPred), [-1]))]) as tf.Tensor1D;
}

/** Hands each metric its slice of the read-back statistics (after the loss at index 0). */
function unpackStats(stats: Float32Array, ms: StatefulMetric[]): void {
  let off = 1;
  for (const m of ms) {
    m.accumulate(stats.subarray(off, off + m.statsSize));
    off += m.statsSize;
  }
}

/** Loss and metrics of `model` on `data`, in inference mode, batch by batch. */
async function evaluateWith(
  model: tf.LayersModel,
  loss: LossEntry,
  ms: StatefulMetric[],
  data: Examples,
  batchSize: number,
): Promise<Logs> {
  for (const m of ms) m.reset();
  let lossTotal = 0;
  for (let start = 0; start < data.size; start += batchSize) {
    const size = Math.min(batchSize, data.size - start);
    const stats = tf.tidy(() => {
      const [xb, yb] = batchOf(data, undefined, start, size);
      const yPred = model.apply(xb, { training: false }) as tf.Tensor;
      return packStats(batchLoss(model, loss, yb, yPred), ms, yb, yPred);
    });
    const values = (await stats.data()) as Float32Array;
    stats.dispose();
    lossTotal += (values[0] ?? 0) * size;
    unpackStats(values, ms);
  }
  const logs: Logs = { loss: data.size > 0 ? lossTotal / data.size : 0 };
  for (const m of ms) logs[m.name] = m.result();
  return logs;
}

/** Keras's `model.evaluate`: `{loss, <metric as written>: value, ...}` over all of `data`. */
export async function evaluate(
  model: tf.LayersModel,
  compile: CompileSpec,
  data: Examples,
  batchSize: number = DEFAULT_EVAL_BATCH,
): Promise<Record<string, number>> {
  const loss = lossEntry(compile);
  checkTargets(model, loss, data.y, 'evaluation');
  return evaluateWith(model, loss, buildMetrics(model, compile, data.y), data, batchSize);
}

function buildCallbacks(opts: TrainOptions): Callback[] {
  const built = opts.callbacks.map((c) => {
    const entry = callbackRegistry.find(c.type);
    if (!entry) throw new ConfigError({ message: callbackRegistry.unknownMessage(c.type), loc: c.loc });
    return entry.create(c.args, { loc: c.loc, baseDir: opts.outputDir });
  });
  return [...built, ...(opts.extraCallbacks ?? [])];
}

class Context implements TrainingContext {
  stopReason: string | undefined;
  restoredEpoch?: number;
  bestEpoch?: number;
  private readonly directions = new Map<string, Direction>();

  constructor(
    readonly model: tf.LayersModel,
    readonly optimizer: tf.Optimizer,
    readonly epochs: number,
    readonly stepsPerEpoch: number,
    readonly logKeys: readonly string[],
    ms: StatefulMetric[],
    private readonly onMessage: (text: string) => void,
  ) {
    this.directions.set('loss', 'down');
    for (const m of ms) this.directions.set(m.name, m.direction);
  }

  get stopRequested(): boolean {
    return this.stopReason !== undefined;
  }
  directionOf(logKey: string): Direction | undefined {
    return this.directions.get(logKey.replace(/^val_/, ''));
  }
  stopTraining(reason: string): void {
    this.stopReason ??= reason;
  }
  getWeights(): tf.Tensor[] {
    // getWeights() hands out the variables' current tensors; the optimizer replaces those on the
    // next step, so a snapshot must be a copy.
    return this.model.getWeights().map((w) => w.clone());
  }
  setWeights(weights: tf.Tensor[]): void {
    this.model.setWeights(weights);
  }
  getLearningRate(): number {
    return getLearningRate(this.optimizer);
  }
  setLearningRate(lr: number): void {
    setLearningRate(this.optimizer, lr);
  }
  log(message: string): void {
    this.onMessage(message);
  }
}

/** Trains `model` on `train` per `compile` and `opts`; returns the Keras-style history. */
export async function train(
  model: tf.LayersModel,
  compile: CompileSpec,
  trainData: Examples,
  opts: TrainOptions,
): Promise<TrainResult> {
  const started = performance.now();
  const loss = lossEntry(compile);
  checkTargets(model, loss, trainData.y, 'training');
  if (opts.validation) checkTargets(model, loss, opts.validation.y, 'validation');
  const trainMetrics = buildMetrics(model, compile, trainData.y);
  const valMetrics = opts.validation ? buildMetrics(model, compile, opts.validation.y) : [];
  const cbs = buildCallbacks(opts);
  const optimizer = buildOptimizer(compile);
  const reporter = opts.reporter;

  const batchSize = Math.max(1, Math.floor(opts.batchSize));
  const steps = Math.ceil(trainData.size / batchSize);
  const hasVal = opts.validation !== undefined && opts.validation.size > 0;
  const logKeys = ['loss', ...trainMetrics.map((m) => m.name)];
  if (hasVal) logKeys.push(...logKeys.map((k) => `val_${k}`));
  const ctx = new Context(model, optimizer, opts.epochs, steps, logKeys, trainMetrics, (t) => reporter?.onMessage?.(t));

  const seed = opts.seed ?? randomSeed();
  const rng = new Prng(seed);
  // The variables minimize() may update: exactly the model's trainable weights (without a list,
  // tfjs would update every trainable variable alive in the engine, other models' included).
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);

  const history: Record<string, number[]> = {};
  let epochsCompleted = 0;
  let interrupted = false;

  try {
    for (const cb of cbs) await cb.onTrainBegin?.(ctx);
    reporter?.onTrainBegin({
      epochs: opts.epochs,
      stepsPerEpoch: steps,
      batchSize,
      samples: trainData.size,
      validationSamples: hasVal ? opts.validation?.size : undefined,
      logKeys,
    });

    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      const epochStart = performance.now();
      for (const cb of cbs) await cb.onEpochBegin?.(epoch, ctx);
      reporter?.onEpochBegin(epoch + 1, opts.epochs, steps);
      for (const m of trainMetrics) m.reset();
      let lossTotal = 0;
      let seen = 0;
      let logs: Logs = {};
      const order = opts.shuffle ? tf.tensor1d(permutation(trainData.size, rng), 'int32') : undefined;
      try {
        for (let step = 0; step < steps; step++) {
          for (const cb of cbs) await cb.onBatchBegin?.(step, ctx);
          const start = step * batchSize;
          const size = Math.min(batchSize, trainData.size - start);
          const stats = tf.tidy(() => {
            const [xb, yb] = batchOf(trainData, order, start, size);
            let packed: tf.Tensor1D | undefined;
            optimizer.minimize(
              () => {
                const yPred = model.apply(xb, { training: true }) as tf.Tensor;
                const total = batchLoss(model, loss, yb, yPred);
                // minimize() disposes everything its closure made except the returned loss;
                // keep the statistics computed from this same forward pass.
                packed = tf.keep(packStats(total, trainMetrics, yb, yPred));
                return total;
              },
              false,
              trainable,
            );
            if (!packed) throw new Error('training step produced no statistics');
            return packed;
          });
          const values = (await stats.data()) as Float32Array;
          stats.dispose();
          lossTotal += (values[0] ?? 0) * size;
          seen += size;
          unpackStats(values, trainMetrics);
          logs = { loss: lossTotal / seen };
          for (const m of trainMetrics) logs[m.name] = m.result();
          for (const cb of cbs) await cb.onBatchEnd?.(step, logs, ctx);
          reporter?.onBatchEnd(step + 1, logs);
          if (opts.shouldStop?.()) {
            interrupted = true;
            ctx.stopTraining(`interrupted during epoch ${epoch + 1}`);
            break;
          }
          if (ctx.stopRequested) break;
        }
      } finally {
        order?.dispose();
      }
      if (interrupted) break;

      const epochLogs: Logs = { ...logs };
      if (hasVal && opts.validation) {
        const val = await evaluateWith(model, loss, valMetrics, opts.validation, batchSize);
        for (const [k, v] of Object.entries(val)) epochLogs[`val_${k}`] = v;
      }
      for (const cb of cbs) await cb.onEpochEnd?.(epoch, epochLogs, ctx);
      for (const [k, v] of Object.entries(epochLogs)) (history[k] ??= []).push(v);
      epochsCompleted++;
      reporter?.onEpochEnd(epoch + 1, opts.epochs, epochLogs, (performance.now() - epochStart) / 1000);
      if (ctx.stopRequested) break;
    }

    const lastLogs: Logs = {};
    for (const [k, v] of Object.entries(history)) if (v.length > 0) lastLogs[k] = v[v.length - 1] as number;
    for (const cb of cbs) await cb.onTrainEnd?.(lastLogs, ctx);
  } finally {
    optimizer.dispose();
  }

  const result: TrainResult = {
    history,
    epochsCompleted,
    stoppedEarly: ctx.stopRequested,
    stopReason: ctx.stopReason,
    bestEpoch: ctx.bestEpoch,
    restoredEpoch: ctx.restoredEpoch,
    interrupted: interrupted || undefined,
    seed,
    seconds: (performance.now() - started) / 1000,
  };
  reporter?.onTrainEnd(result);
  return result;
}
