/**
 * Callbacks under their Keras class names, with Keras's arguments and defaults. Each entry
 * creates a callback for kerats' own training loop (`src/registry/callbacks/callbacks-types.ts`).
 * ModelCheckpoint and BackupAndRestore write into the run folder (relative paths resolve against it).
 */
import type { SourceLocation } from '../config/types.js';
import type { Callback } from './callbacks/callbacks-types.js';
import { CSVLogger } from './callbacks/callbacks-csv-logger.js';
import { BackupAndRestore } from './callbacks/callbacks-backup-restore.js';
import { ModelCheckpoint } from './callbacks/callbacks-model-checkpoint.js';
import { EarlyStopping } from './callbacks/callbacks-early-stopping.js';
import { ReduceLROnPlateau } from './callbacks/callbacks-reduce-lr.js';
import { TerminateOnNaN } from './callbacks/callbacks-terminate-nan.js';
import { LearningRateScheduler, epochScheduleSchema, parseEpochSchedule } from './callbacks/callbacks-lr-scheduler.js';
import { TensorBoard } from './callbacks/callbacks-tensorboard.js';
import { Registry } from './registry.js';
import type { ArgMap, ArgSpec, RegistryEntry } from './types.js';

/** Where a callback is created from: its place in the config, the folder relative paths resolve against. */
export interface CallbackEnv {
  loc?: SourceLocation;
  /** Folder for relative file names (CSVLogger); the current directory when absent. */
  baseDir?: string;
}

export interface CallbackEntry extends RegistryEntry {
  create(args: ArgMap, env: CallbackEnv): Callback;
}

export const callbacks = new Registry<CallbackEntry>('callback');

const MODES = ['auto', 'min', 'max'] as const;
type Mode = (typeof MODES)[number];

const monitor: ArgSpec = { schema: { type: 'string', minLength: 1 }, description: 'Quantity to be monitored, as logged: `loss`, `val_loss`, `accuracy`, `val_accuracy`, ...', default: 'val_loss' };
const verbose: ArgSpec = { schema: { enum: [0, 1] }, description: 'Verbosity: 1 prints a message when the callback takes an action.', default: 0 };

function num(a: ArgMap, k: string, def: number): number {
  const v = a[k];
  return typeof v === 'number' ? v : def;
}
function mode(a: ArgMap): Mode {
  const v = a.mode;
  return MODES.find((m) => m === v) ?? 'auto';
}

callbacks.register({
  name: 'EarlyStopping',
  description: 'Stops training when a monitored metric has stopped improving.',
  args: {
    monitor,
    min_delta: { schema: { type: 'number' }, description: 'Minimum change in the monitored quantity to qualify as an improvement.', default: 0 },
    patience: { schema: { type: 'integer', minimum: 0 }, description: 'Number of epochs with no improvement after which training is stopped.', default: 0 },
    verbose: { ...verbose, description: 'Accepted for Keras compatibility; kerats always reports when and why training stopped early and which epoch\'s weights were restored.' },
    mode: { schema: { enum: [...MODES] }, description: 'Whether the monitored quantity should decrease (`min`) or increase (`max`); `auto` infers it from the name.', default: 'auto' },
    baseline: { schema: { type: ['number', 'null'] }, description: 'Baseline value for the monitored quantity; training stops if the model does not improve over it within `patience` epochs.', default: null },
    restore_best_weights: { schema: { type: 'boolean' }, description: 'Whether to restore the weights from the epoch with the best monitored value at the end of training.', default: false },
    start_from_epoch: { schema: { type: 'integer', minimum: 0 }, description: 'Number of warm-up epochs to wait before starting to monitor improvement.', default: 0 },
  },
  create: (a, env) =>
    new EarlyStopping(
      {
        monitor: (a.monitor as string | undefined) ?? 'val_loss',
        minDelta: num(a, 'min_delta', 0),
        patience: num(a, 'patience', 0),
        mode: mode(a),
        baseline: typeof a.baseline === 'number' ? a.baseline : undefined,
        restoreBestWeights: a.restore_best_weights === true,
        startFromEpoch: num(a, 'start_from_epoch', 0),
        verbose: num(a, 'verbose', 0),
      },
      env.loc,
    ),
});

callbacks.register({
  name: 'ReduceLROnPlateau',
  description: 'Reduces the learning rate when a monitored metric has stopped improving.',
  args: {
    monitor,
    factor: { schema: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }, description: 'Factor by which the learning rate is reduced: new_lr = lr * factor.', default: 0.1 },
    patience: { schema: { type: 'integer', minimum: 0 }, description: 'Number of epochs with no improvement after which the learning rate is reduced.', default: 10 },
    verbose,
    mode: { schema: { enum: [...MODES] }, description: 'Whether the monitored quantity should decrease (`min`) or increase (`max`); `auto` maximises names containing "acc".', default: 'auto' },
    min_delta: { schema: { type: 'number', minimum: 0 }, description: 'Threshold for measuring a new optimum, to only focus on significant changes.', default: 0.0001 },
    cooldown: { schema: { type: 'integer', minimum: 0 }, description: 'Number of epochs to wait before resuming normal operation after the rate has been reduced.', default: 0 },
    min_lr: { schema: { type: 'number', minimum: 0 }, description: 'Lower bound on the learning rate.', default: 0 },
  },
  create: (a, env) =>
    new ReduceLROnPlateau(
      {
        monitor: (a.monitor as string | undefined) ?? 'val_loss',
        factor: num(a, 'factor', 0.1),
        patience: num(a, 'patience', 10),
        verbose: num(a, 'verbose', 0),
        mode: mode(a),
        minDelta: num(a, 'min_delta', 0.0001),
        cooldown: num(a, 'cooldown', 0),
        minLr: num(a, 'min_lr', 0),
      },
      env.loc,
    ),
});

callbacks.register({
  name: 'TerminateOnNaN',
  description: 'Terminates training when a NaN or infinite loss is encountered.',
  args: {},
  create: () => new TerminateOnNaN(),
});

callbacks.register({
  name: 'CSVLogger',
  description: 'Streams epoch results (epoch, loss, metrics, validation metrics) to a CSV file.',
  positional: 'filename',
  args: {
    filename: { schema: { type: 'string', minLength: 1 }, description: 'Path of the CSV file (relative paths resolve against the run folder).', required: true },
    separator: { schema: { type: 'string', minLength: 1 }, description: 'String used to separate elements in the CSV file.', default: ',' },
    append: { schema: { type: 'boolean' }, description: 'Append to an existing file instead of overwriting it.', default: false },
  },
  create: (a, env) =>
    new CSVLogger(
      { filename: a.filename as string, separator: (a.separator as string | undefined) ?? ',', append: a.append === true },
      env.baseDir,
    ),
});

const saveFreq: ArgSpec = {
  schema: { oneOf: [{ const: 'epoch' }, { type: 'integer', minimum: 1 }] },
  description: '`epoch` saves at the end of every epoch; an integer saves every that many batches.',
  default: 'epoch',
};

callbacks.register({
  name: 'ModelCheckpoint',
  description: 'Saves the model or its weights at some frequency (every epoch, or only when the monitored quantity improves).',
  positional: 'filepath',
  args: {
    filepath: {
      schema: { type: 'string', minLength: 1 },
      description:
        'Folder to save to, a Python format template filled with `epoch` (1-based), `batch` and the logged values, e.g. `checkpoints/ckpt-{epoch:02d}-{val_loss:.3f}` (relative paths resolve against the run folder). Each save holds model.json + weights.bin, or weights.bin + weights.json with save_weights_only.',
      required: true,
    },
    monitor,
    verbose,
    save_best_only: { schema: { type: 'boolean' }, description: 'Only save when the monitored quantity improves on the best so far.', default: false },
    save_weights_only: { schema: { type: 'boolean' }, description: 'Save only the weights (weights.bin + weights.json) instead of the whole model.', default: false },
    mode: { schema: { enum: [...MODES] }, description: 'Whether the monitored quantity should decrease (`min`) or increase (`max`); `auto` infers it from the name.', default: 'auto' },
    save_freq: saveFreq,
    initial_value_threshold: { schema: { type: ['number', 'null'] }, description: 'Initial "best" value: with save_best_only, only values better than this are saved.', default: null },
  },
  create: (a, env) =>
    new ModelCheckpoint(
      {
        filepath: a.filepath as string,
        monitor: (a.monitor as string | undefined) ?? 'val_loss',
        verbose: num(a, 'verbose', 0),
        saveBestOnly: a.save_best_only === true,
        saveWeightsOnly: a.save_weights_only === true,
        mode: mode(a),
        saveFreq: typeof a.save_freq === 'number' ? a.save_freq : 'epoch',
        initialValueThreshold: typeof a.initial_value_threshold === 'number' ? a.initial_value_threshold : undefined,
      },
      env.baseDir,
      env.loc,
    ),
});

callbacks.register({
  name: 'BackupAndRestore',
  description: 'Backs up the training state every epoch (or every N batches) and resumes from the backup when a run is restarted after an interruption.',
  positional: 'backup_dir',
  args: {
    backup_dir: { schema: { type: 'string', minLength: 1 }, description: 'Folder for the backup (relative paths resolve against the run folder; use an absolute path to resume across fresh `kerats train` runs).', required: true },
    save_freq: {
      ...saveFreq,
      description:
        '`epoch`: back up at the end of every epoch; an integer N: back up every N batches (counted across epochs), and a restart continues the interrupted epoch with its next batch, in the same shuffled order.',
    },
    delete_checkpoint: { schema: { type: 'boolean' }, description: 'Delete the backup when training finishes.', default: true },
  },
  create: (a, env) =>
    new BackupAndRestore(
      {
        backupDir: a.backup_dir as string,
        saveFreq: typeof a.save_freq === 'number' ? a.save_freq : 'epoch',
        deleteCheckpoint: a.delete_checkpoint !== false,
      },
      env.baseDir,
      env.loc,
    ),
});

callbacks.register({
  name: 'LearningRateScheduler',
  description: 'Sets the learning rate at the start of every epoch from a declarative schedule of the epoch index, and logs it as `learning_rate`.',
  positional: 'schedule',
  args: {
    schedule: {
      schema: epochScheduleSchema(),
      description:
        'The rate per 0-based epoch: {step: {every: 10, factor: 0.5}}, {exponential: {factor: 0.9}}, or a Keras schedule such as {ExponentialDecay: {initial_learning_rate: 0.01, decay_steps: 10, decay_rate: 0.5}} whose steps are epochs.',
      required: true,
    },
    verbose,
  },
  create: (a, env) => new LearningRateScheduler(parseEpochSchedule(a.schedule, env.loc), num(a, 'verbose', 0), env.loc),
});

callbacks.register({
  name: 'TensorBoard',
  description: 'Writes the logged quantities as TensorBoard scalar summaries (event files under log_dir/train and log_dir/validation), weight histograms and the model graph.',
  positional: 'log_dir',
  args: {
    log_dir: { schema: { type: 'string', minLength: 1 }, description: 'Folder for the event files (relative paths resolve against the run folder).', default: 'logs' },
    update_freq: {
      schema: { oneOf: [{ enum: ['epoch', 'batch'] }, { type: 'integer', minimum: 1 }] },
      description: '`epoch` writes once per epoch; `batch` or an integer N also writes `batch_*` scalars every N batches.',
      default: 'epoch',
    },
    histogram_freq: {
      schema: { type: 'integer', minimum: 0 },
      description: 'Frequency (in epochs) at which to write a histogram of every weight (`<weight>/histogram`, 30 buckets); 0 writes none.',
      default: 0,
    },
    write_graph: {
      schema: { type: 'boolean' },
      description:
        "Write the model's Keras JSON (the `keras` summary Keras writes), which TensorBoard's Graphs dashboard draws as the conceptual graph; there is no TensorFlow op graph to write.",
      default: true,
    },
    write_steps_per_second: {
      schema: { type: 'boolean' },
      description: 'Also log training steps per second: `epoch_steps_per_second` every epoch, and `batch_steps_per_second` with the batch scalars.',
      default: false,
    },
  },
  create: (a, env) =>
    new TensorBoard(
      {
        logDir: typeof a.log_dir === 'string' ? a.log_dir : 'logs',
        updateFreq: typeof a.update_freq === 'number' ? a.update_freq : a.update_freq === 'batch' ? 'batch' : 'epoch',
        histogramFreq: num(a, 'histogram_freq', 0),
        writeGraph: a.write_graph !== false,
        writeStepsPerSecond: a.write_steps_per_second === true,
      },
      env.baseDir,
    ),
});
