/**
 * The callback contract of kerats' training loop, shaped like Keras's `Callback`: hooks at
 * train/epoch/batch begin and end, with a context that can stop training, read and write the
 * model's weights and change the learning rate. Epoch and batch indices are 0-based, as in Keras;
 * anything printed for users says epoch + 1.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Direction } from '../metrics-state.js';

export type Logs = Record<string, number>;

/**
 * The running sums of an unfinished epoch (a mid-epoch checkpoint): with them, the resumed epoch
 * logs what the uninterrupted one would have.
 */
export interface EpochProgress {
  lossSums: number[];
  seen: number;
  /** Element-wise sums of the metrics' batch statistics (metrics accumulate by adding them). */
  metricSums: number[];
}

export interface TrainingContext {
  readonly model: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly epochs: number;
  /** Batches per epoch; for streamed data of unknown size, the count seen so far (0 before the first epoch ends). */
  readonly stepsPerEpoch: number;
  /** The current epoch, 0-based (Keras's `epoch` argument), `initialEpoch` before the first one begins. */
  readonly epoch: number;
  /** Optimizer steps taken in this fit so far (batches across epochs; the `iterations` Keras counts). */
  readonly step: number;
  /** The shuffle generator's state at the start of the current epoch (save it to resume the same batch order). */
  rngState(): number;
  /** Batches trained so far in the current epoch (a mid-epoch resume starts above 0). */
  readonly batch?: number;
  /** The current epoch's running loss and metric sums, for a mid-epoch checkpoint (JSON-able). */
  epochProgress?(): EpochProgress | undefined;
  /** Names logged each epoch (`loss`, `accuracy`, `val_loss`, ...), known before training starts. */
  readonly logKeys: readonly string[];
  /** `up`/`down` for a logged name (`val_` prefix ignored), undefined when unknown. */
  directionOf(logKey: string): Direction | undefined;
  /** Ask the loop to stop after the current batch/epoch (Keras's `model.stop_training = True`). */
  stopTraining(reason: string): void;
  readonly stopRequested: boolean;
  /** Copies of the current weights (caller owns and disposes them), in `model.getWeights()` order. */
  getWeights(): tf.Tensor[];
  /** Writes weights (same order); does not take ownership. */
  setWeights(weights: tf.Tensor[]): void;
  getLearningRate(): number;
  setLearningRate(lr: number): void;
  /** True when the optimizer's learning rate follows a schedule (then it cannot be set). */
  readonly learningRateScheduled?: boolean;
  /** A message for the user (verbose callbacks), printed by the progress reporter. */
  log(message: string): void;
  /** Tells the reporter a checkpoint of `epoch` (1-based) now exists at `path` (`--events` emits it). */
  checkpointSaved?(epoch: number, path: string): void;
  /** Set by a callback that restored earlier weights (EarlyStopping), 1-based epoch. */
  restoredEpoch?: number;
  /** Best epoch by the monitored quantity, 1-based, if a callback tracks one. */
  bestEpoch?: number;
}

export interface Callback {
  readonly name: string;
  /** The callback's progress (best value, wait count, ...) as JSON-able data, for checkpoints. */
  getState?(): unknown;
  /** Restores what `getState` returned; called before `onTrainBegin`, which must then keep it. */
  setState?(state: unknown): void;
  onTrainBegin?(ctx: TrainingContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainingContext): void | Promise<void>;
  onBatchBegin?(batch: number, ctx: TrainingContext): void | Promise<void>;
  /** `logs` holds the running epoch averages (`loss`, metrics) after this batch. */
  onBatchEnd?(batch: number, logs: Logs, ctx: TrainingContext): void | Promise<void>;
  /** `logs` holds the epoch's results including `val_*`; a callback may add entries (ReduceLROnPlateau adds `learning_rate`). */
  onEpochEnd?(epoch: number, logs: Logs, ctx: TrainingContext): void | Promise<void>;
  onTrainEnd?(logs: Logs, ctx: TrainingContext): void | Promise<void>;
  /**
   * Training is being stopped by a signal after batch `ctx.batch` of epoch `ctx.epoch` (not a
   * Keras hook): resume checkpointers save the position now. `onTrainEnd` still follows.
   */
  onInterrupt?(ctx: TrainingContext): void | Promise<void>;
}

/** Formats a metric value the way Keras's progress bar does (4 decimals, scientific when tiny). */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Math.abs(v) > 1e-3 || v === 0) return v.toFixed(4);
  // Python's %.4e pads the exponent to two digits (6.1612e-04), and Keras logs look like that.
  return v.toExponential(4).replace(/e([+-])(\d)$/, (_m, sign: string, digit: string) => `e${sign}0${digit}`);
}
