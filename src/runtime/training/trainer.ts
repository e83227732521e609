/**
 * kerats' own training loop (instead of tfjs's `model.fit`, which lacks sample and class weights,
 * per-output losses and metrics as Keras logs them, stateful epoch metrics, restore_best_weights,
 * optimizer state access, streamed data and a seeded shuffle).
 *
 * Per batch: a forward pass in training mode (`model.apply(x, {training: true})`, so Dropout drops
 * and BatchNormalization uses batch statistics), the loss of every output (see step.ts) plus the
 * layers' regularization penalties (computed inside the gradient closure so they are
 * differentiated), one optimizer step over the model's trainable weights, and one read-back of
 * the losses and the metrics' statistics. Logged epoch losses are batch-size-weighted means of the
 * batch losses, like Keras's loss trackers.
 */
import * as tf from '@tensorflow/tfjs';
import type { CompileSpec } from '../../config/types.js';
import { callbacks as callbackRegistry } from '../../registry/callbacks.js';
import { optimizers } from '../../registry/optimizers.js';
import { ConfigError, KeratsError } from '../../util/errors.js';
import { Prng, randomSeed } from '../../util/prng.js';
import { isStreaming, type AnyExamples } from '../data/types.js';
import { disposeBatch, epochBatches, stepsFor } from './batches.js';
import type { Callback, Logs } from '../../registry/callbacks/callbacks-types.js';
import { Context } from './context.js';
import type { StatefulMetric } from '../../registry/metrics-state.js';
import { buildMetrics, pickOutput, planOutputs, tensorsOf, type Plan } from './outputs.js';
import { ClassWeights, EpochTotals, forward, logKeysOf, type StepParts } from './step.js';
import { checkTargets } from './targets-check.js';
import type { TrainOptions, TrainResult } from './types.js';

export type { TrainOptions, TrainResult, ProgressReporter, TrainBeginInfo } from './types.js';

/** Resolves on the next turn of the event loop (after pending I/O and signal callbacks). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

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
      throw new ConfigError(e.problems.map((p) => ({ ...p, message: `${entry.name}: ${p.message}`, loc: compile.optimizer.loc })));
    }
    throw e;
  }
}

/** Label shapes per output (for `accuracy`'s rule), and a Keras-worded check that labels fit each output. */
function checkData(model: tf.LayersModel, plan: Plan, data: AnyExamples, which: string): (readonly (number | null)[])[] {
  if (isStreaming(data)) return plan.outputs.map((o) => model.outputs[o.index]?.shape ?? []);
  return plan.outputs.map((o) => {
    const y = pickOutput(data.y, o, plan, which);
    checkTargets(model, o.loss.entry, y, which, o.index);
    return y.shape;
  });
}

/** Loss and metrics of `model` on `data`, in inference mode, batch by batch. */
async function evaluateWith(model: tf.LayersModel, parts: StepParts, data: AnyExamples, batchSize: number, seed: number): Promise<Logs> {
  const totals = new EpochTotals(parts.plan, parts.metrics);
  const { batches } = epochBatches(data, batchSize, { epoch: 0, shuffle: false, seed });
  for await (const b of batches) {
    let stats: tf.Tensor1D;
    try {
      stats = tf.tidy(() => forward(model, b, parts, false).stats);
    } finally {
      disposeBatch(b);
    }
    const values = (await stats.data()) as Float32Array;
    stats.dispose();
    totals.add(values, b.size);
  }
  return totals.logs();
}

/** Keras's `model.evaluate`: `{loss, <metric as written>: value, ...}` over all of `data`. */
export async function evaluate(
  model: tf.LayersModel,
  compile: CompileSpec,
  data: AnyExamples,
  batchSize: number = DEFAULT_EVAL_BATCH,
): Promise<Record<string, number>> {
  const plan = planOutputs(model, compile);
  const shapes = checkData(model, plan, data, 'evaluation');
  return evaluateWith(model, { plan, metrics: buildMetrics(model, plan, shapes), which: 'evaluation' }, data, batchSize, 0);
}

function buildCallbacks(opts: TrainOptions): Callback[] {
  const built = opts.callbacks.map((c) => {
    const entry = callbackRegistry.find(c.type);
    if (!entry) throw new ConfigError({ message: callbackRegistry.unknownMessage(c.type), loc: c.loc });
    return entry.create(c.args, { loc: c.loc, baseDir: opts.outputDir });
  });
  return [...built, ...(opts.extraCallbacks ?? [])];
}

/** Keras's `validation_freq`: every n epochs, or at the listed 1-based epochs. */
function validatesAt(epoch: number, freq: number | number[] | undefined): boolean {
  if (freq === undefined) return true;
  if (Array.isArray(freq)) return freq.includes(epoch + 1);
  return (epoch + 1) % Math.max(1, freq) === 0;
}

function directionsOf(metrics: StatefulMetric[][]): Map<string, 'up' | 'down'> {
  const d = new Map<string, 'up' | 'down'>();
  for (const ms of metrics) for (const m of ms) d.set(m.name, m.direction);
  return d;
}

/** Trains `model` on `trainData` per `compile` and `opts`; returns the Keras-style history. */
export async function train(model: tf.LayersModel, compile: CompileSpec, trainData: AnyExamples, opts: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const plan = planOutputs(model, compile);
  const trainShapes = checkData(model, plan, trainData, 'training');
  const validation = opts.validation;
  const valShapes = validation ? checkData(model, plan, validation, 'validation') : [];
  const classWeights = opts.classWeight && Object.keys(opts.classWeight).length > 0 ? new ClassWeights(opts.classWeight) : undefined;
  if (classWeights && plan.multi) {
    throw new ConfigError('fit.class_weight is only supported for models with a single output (as in Keras); use sample weights for multi-output models');
  }
  const trainParts: StepParts = { plan, metrics: buildMetrics(model, plan, trainShapes), classWeights, which: 'training' };
  const valParts: StepParts | undefined = validation
    ? { plan, metrics: buildMetrics(model, plan, valShapes), which: 'validation' }
    : undefined;
  const cbs = buildCallbacks(opts);
  const ownOptimizer = opts.optimizer === undefined;
  const optimizer = opts.optimizer ?? buildOptimizer(compile);
  const reporter = opts.reporter;

  const batchSize = Math.max(1, Math.floor(opts.batchSize));
  const initialEpoch = Math.max(0, Math.floor(opts.initialEpoch ?? 0));
  // A mid-epoch checkpoint: that many batches of the first epoch are trained already.
  const initialBatch = Math.max(0, Math.floor(opts.initialBatch ?? 0));
  if (initialBatch > 0 && !opts.epochProgress) throw new Error('train(): initialBatch needs the epochProgress saved with it');
  const hasVal = validation !== undefined && (isStreaming(validation) || validation.size > 0);
  const baseKeys = logKeysOf(plan, trainParts.metrics);
  const logKeys = hasVal ? [...baseKeys, ...baseKeys.map((k) => `val_${k}`)] : baseKeys;
  const firstSteps = stepsFor(trainData, batchSize, opts.stepsPerEpoch);

  const seed = opts.seed ?? randomSeed();
  const rng = new Prng(seed);
  if (opts.rngState !== undefined) rng.setState(opts.rngState);
  const ctx = new Context({
    model,
    optimizer,
    epochs: opts.epochs,
    stepsPerEpoch: firstSteps ?? 0,
    logKeys,
    directions: directionsOf(trainParts.metrics),
    onMessage: (t) => reporter?.onMessage?.(t),
    onCheckpoint: (epoch, path) => reporter?.onCheckpoint?.(epoch, path),
    initialEpoch,
    initialBatch,
    initialProgress: opts.epochProgress,
    rng,
  });
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
      stepsPerEpoch: firstSteps ?? 0,
      batchSize,
      samples: trainData.size ?? 0,
      validationSamples: hasVal && validation ? validation.size : undefined,
      logKeys,
    });

    for (let epoch = initialEpoch; epoch < opts.epochs; epoch++) {
      const epochStart = performance.now();
      const skip = epoch === initialEpoch ? initialBatch : 0;
      ctx.beginEpoch(epoch, skip);
      for (const cb of cbs) await cb.onEpochBegin?.(epoch, ctx);
      const { steps, batches } = epochBatches(trainData, batchSize, {
        epoch,
        shuffle: opts.shuffle,
        seed,
        rng,
        stepsPerEpoch: opts.stepsPerEpoch,
        skip,
      });
      reporter?.onEpochBegin(epoch + 1, opts.epochs, steps ?? 0);
      const totals = new EpochTotals(plan, trainParts.metrics);
      if (skip > 0 && opts.epochProgress) totals.restore(opts.epochProgress);
      ctx.progress = () => totals.snapshot();
      let logs: Logs = skip > 0 ? totals.logs() : {};
      let step = skip;
      for await (const b of batches) {
        for (const cb of cbs) await cb.onBatchBegin?.(step, ctx);
        let stats: tf.Tensor1D | undefined;
        try {
          tf.tidy(() => {
            optimizer.minimize(
              () => {
                const r = forward(model, b, trainParts, true);
                // minimize() disposes everything its closure made except the returned loss;
                // keep the statistics computed from this same forward pass.
                stats = tf.keep(r.stats);
                return r.total;
              },
              false,
              trainable,
            );
          });
        } finally {
          disposeBatch(b);
        }
        if (!stats) throw new Error('training step produced no statistics');
        const values = (await stats.data()) as Float32Array;
        stats.dispose();
        totals.add(values, b.size);
        ctx.endStep();
        logs = totals.logs();
        for (const cb of cbs) await cb.onBatchEnd?.(step, logs, ctx);
        step++;
        reporter?.onBatchEnd(step, logs);
        // A batch's read-back resolves without returning to the event loop (wasm, cpu), so a whole
        // epoch could pass before a SIGINT/SIGTERM handler runs: give it the chance after each batch.
        await yieldToEventLoop();
        if (opts.shouldStop?.()) {
          interrupted = true;
          ctx.stopTraining(`interrupted at batch ${step} of epoch ${epoch + 1}`);
          // Callbacks that keep resume state save it now (mid-epoch), so nothing trained is lost.
          for (const cb of cbs) await cb.onInterrupt?.(ctx);
          break;
        }
        if (ctx.stopRequested) break;
      }
      if (interrupted) break;
      if (steps === undefined) ctx.stepsPerEpoch = step;

      const epochLogs: Logs = { ...logs };
      if (hasVal && validation && valParts && validatesAt(epoch, opts.validationFreq)) {
        const val = await evaluateWith(model, valParts, validation, batchSize, seed);
        for (const [k, v] of Object.entries(val)) epochLogs[`val_${k}`] = v;
      }
      for (const cb of cbs) await cb.onEpochEnd?.(epoch, epochLogs, ctx);
      for (const [k, v] of Object.entries(epochLogs)) (history[k] ??= []).push(v);
      epochsCompleted++;
      reporter?.onEpochEnd(epoch + 1, opts.epochs, epochLogs, (performance.now() - epochStart) / 1000);
      if (ctx.stopRequested) break;
      // A signal during validation or the epoch-end callbacks: the epoch's checkpoint is written, stop here.
      if (epoch + 1 < opts.epochs && opts.shouldStop?.()) {
        interrupted = true;
        ctx.stopTraining(`interrupted after epoch ${epoch + 1}`);
        break;
      }
    }

    const lastLogs: Logs = {};
    for (const [k, v] of Object.entries(history)) if (v.length > 0) lastLogs[k] = v[v.length - 1] as number;
    for (const cb of cbs) await cb.onTrainEnd?.(lastLogs, ctx);
  } finally {
    if (ownOptimizer) optimizer.dispose();
  }

  const result: TrainResult = {
    history,
    epochsCompleted,
    initialEpoch,
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

/** Every tensor of in-memory examples (tests use it to dispose what they built). */
export { tensorsOf };
