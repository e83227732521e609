/** Options and results of kerats' training loop (see trainer.ts). */
import type * as tf from '@tensorflow/tfjs';
import type { NamedEntry } from '../../config/types.js';
import type { AnyExamples } from '../data/types.js';
import type { Callback, Logs } from '../../registry/callbacks/callbacks-types.js';
import type { EpochProgress } from '../../registry/callbacks/callbacks-types.js';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  /** Seed of the per-epoch shuffle: the same seed gives the same batch order. Random when absent. */
  seed?: number;
  validation?: AnyExamples;
  /** Keras's `initial_epoch` (0-based): training runs epochs initialEpoch..epochs-1 (resume). */
  initialEpoch?: number;
  /**
   * Batches of epoch `initialEpoch` already trained (resuming a mid-epoch checkpoint): the epoch
   * continues with its next batch, in the uninterrupted order. Needs `epochProgress`.
   */
  initialBatch?: number;
  /** The running sums of those batches (`TrainingContext.epochProgress()` when the checkpoint was written). */
  epochProgress?: EpochProgress;
  /** An optimizer to train with (a restored one, its slots intact) instead of building one from the compile section. Not disposed by train(). */
  optimizer?: tf.Optimizer;
  /** The shuffle generator's state to start from (from `TrainingContext.rngState()` of a checkpoint); `seed` otherwise. */
  rngState?: number;
  /** Batches per epoch (Keras's `steps_per_epoch`); all the data when absent. */
  stepsPerEpoch?: number;
  /** Validate every n epochs, or at the listed 1-based epochs (Keras's `validation_freq`). */
  validationFreq?: number | number[];
  /** Keras's `class_weight`: class id → weight (names already resolved to ids). */
  classWeight?: Record<number, number>;
  /** Callbacks from the config (`fit.callbacks`), resolved through the callback registry. */
  callbacks: NamedEntry[];
  reporter?: ProgressReporter;
  /** Polled after every batch; true stops training at once (SIGINT), without finishing the epoch. */
  shouldStop?: () => boolean;
  /** Callbacks built by code rather than the config (run-folder checkpoints, tests). They run after the config's. */
  extraCallbacks?: Callback[];
  /** Folder that relative file names of callbacks (CSVLogger) resolve against; the current directory when absent. */
  outputDir?: string;
}

export interface TrainResult {
  /** One array per logged name, one value per completed epoch (`loss`, `accuracy`, `val_loss`, ...). */
  history: Record<string, number[]>;
  epochsCompleted: number;
  /**
   * Epochs done before this fit (a resumed run's checkpoint, or `initial_epoch`): the run's epoch
   * count is `initialEpoch + epochsCompleted`, and every closing line reports that.
   */
  initialEpoch?: number;
  /** True when a callback (EarlyStopping, TerminateOnNaN) or `shouldStop` ended training before `epochs`. */
  stoppedEarly: boolean;
  stopReason?: string;
  /** 1-based epoch with the best monitored value, when a callback tracks one. */
  bestEpoch?: number;
  /** 1-based epoch whose weights the model holds after training, when a callback restored them. */
  restoredEpoch?: number;
  /** True when `shouldStop` ended training (the last epoch is then incomplete and not in `history`). */
  interrupted?: boolean;
  /** The seed the shuffle used (the given one, or the random one drawn), so a run can be repeated. */
  seed: number;
  /** Wall time of the whole fit, seconds. */
  seconds: number;
}

export interface TrainBeginInfo {
  epochs: number;
  stepsPerEpoch: number;
  batchSize: number;
  samples: number;
  validationSamples?: number;
  /** Names that each epoch logs, in display order. */
  logKeys: string[];
}

/**
 * What the loop tells the user. Epoch numbers given to a reporter are 1-based (display numbers);
 * `step` is the number of batches done in the epoch.
 */
export interface ProgressReporter {
  onTrainBegin(info: TrainBeginInfo): void;
  onEpochBegin(epoch: number, epochs: number, steps: number): void;
  onBatchEnd(step: number, logs: Logs): void;
  onEpochEnd(epoch: number, epochs: number, logs: Logs, seconds: number): void;
  onTrainEnd(result: TrainResult): void;
  /** A message from a callback (`verbose: 1`). */
  onMessage?(text: string): void;
  /** A checkpoint of `epoch` (1-based) was written at `path`. */
  onCheckpoint?(epoch: number, path: string): void;
}
