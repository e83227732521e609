/**
 * TensorBoard (Keras): summaries laid out as Keras 3 writes them: `<log_dir>/train/events.out.tfevents.*`
 * with `epoch_loss`, `epoch_<metric>` (and `epoch_learning_rate`) at step = epoch (0-based), and
 * `<log_dir>/validation/...` with the `val_` quantities under the same tags. With
 * `update_freq: batch` (or every N batches), the train writer also gets `batch_<name>` at step =
 * optimizer iterations.
 *
 * - `histogram_freq: N`: every N epochs (epoch % N == 0, as Keras), a histogram of each weight
 *   (`<weight name>/histogram`, 30 equal-width buckets like `tf.summary.histogram`) at step = epoch.
 * - `write_graph` (Keras's default true): the model's Keras JSON as the `keras` summary Keras's
 *   `keras_model_summary` writes, which TensorBoard's Graphs dashboard shows as the conceptual
 *   graph. There is no TensorFlow op graph to write (tfjs has no GraphDef), so the op-level view
 *   stays empty.
 * - `write_steps_per_second`: `epoch_steps_per_second` every epoch, and `batch_steps_per_second`
 *   with the batch scalars.
 *
 * A resumed run (`kerats train --resume`, BackupAndRestore) continues the same event files: the
 * checkpoint records each file's length, and the resume cuts off what was written after it (the
 * epochs and batches trained again), so TensorBoard reads every step once.
 */
import * as path from 'node:path';
import type { Callback, Logs, TrainingContext } from './callbacks-types.js';
import { EventFileWriter, histogramOf, type Histogram } from '../../saving/tfevents.js';

export interface TensorBoardOptions {
  logDir: string;
  updateFreq: 'epoch' | 'batch' | number;
  /** Weight histograms every this many epochs; 0: none. */
  histogramFreq?: number;
  writeGraph?: boolean;
  writeStepsPerSecond?: boolean;
}

/** What a checkpoint keeps: each event file and its length at the checkpoint. */
interface TensorBoardState {
  train?: { file: string; bytes: number };
  validation?: { file: string; bytes: number };
}

function isFileState(v: unknown): v is { file: string; bytes: number } {
  const s = v as { file?: unknown; bytes?: unknown } | null | undefined;
  return typeof s === 'object' && s !== null && typeof s.file === 'string' && typeof s.bytes === 'number';
}

export class TensorBoard implements Callback {
  readonly name = 'TensorBoard';
  /** Set by `setState` before training: this run continues a checkpointed one. */
  private resumed: TensorBoardState | undefined;
  private train: EventFileWriter | undefined;
  private validation: EventFileWriter | undefined;
  private readonly dir: string;
  private epochStart = 0;
  private epochStartStep = 0;
  private batchStart = 0;

  constructor(private readonly o: TensorBoardOptions, baseDir: string = process.cwd()) {
    this.dir = path.resolve(baseDir, o.logDir);
  }

  getState(): TensorBoardState {
    const of = (w: EventFileWriter | undefined): { file: string; bytes: number } | undefined => (w ? { file: w.file, bytes: w.bytes } : undefined);
    const train = of(this.train);
    const validation = of(this.validation);
    return { ...(train ? { train } : {}), ...(validation ? { validation } : {}) };
  }

  setState(state: unknown): void {
    const s = state as TensorBoardState | null | undefined;
    if (typeof s !== 'object' || s === null) return;
    this.resumed = { ...(isFileState(s.train) ? { train: s.train } : {}), ...(isFileState(s.validation) ? { validation: s.validation } : {}) };
  }

  onTrainBegin(ctx: TrainingContext): void {
    const r = this.resumed;
    // The files are found where this run writes (a BackupAndRestore restart may be elsewhere).
    const own = (s: { file: string; bytes: number } | undefined, sub: string): EventFileWriter | undefined =>
      s && path.dirname(path.resolve(s.file)) === path.join(this.dir, sub) ? EventFileWriter.resume(s.file, s.bytes) : undefined;
    const continued = own(r?.train, 'train');
    this.validation = own(r?.validation, 'validation');
    this.train = continued ?? new EventFileWriter(path.join(this.dir, 'train'));
    // Opened now rather than at the first validation, so every checkpoint records its length.
    if (!this.validation && ctx.logKeys.some((k) => k.startsWith('val_'))) this.validation = new EventFileWriter(path.join(this.dir, 'validation'));
    // A continued file has the graph already (written before the first checkpoint).
    if (this.o.writeGraph && !continued) this.train.kerasModel(JSON.stringify(ctx.model.toJSON(null, false)));
  }

  onEpochBegin(_epoch: number, ctx: TrainingContext): void {
    this.epochStart = performance.now();
    this.epochStartStep = ctx.step;
  }

  onBatchBegin(): void {
    this.batchStart = performance.now();
  }

  onBatchEnd(batch: number, logs: Logs, ctx: TrainingContext): void {
    const f = this.o.updateFreq;
    if (f === 'epoch') return;
    const every = f === 'batch' ? 1 : f;
    if ((batch + 1) % every !== 0) return;
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(logs)) values[`batch_${k}`] = v;
    if (this.o.writeStepsPerSecond) {
      const seconds = (performance.now() - this.batchStart) / 1000;
      if (seconds > 0) values.batch_steps_per_second = 1 / seconds;
    }
    this.train?.scalars(ctx.step, values);
  }

  async onEpochEnd(epoch: number, logs: Logs, ctx: TrainingContext): Promise<void> {
    const train: Record<string, number> = {};
    // Like Keras, the rate is plotted too (whether or not a callback logged it).
    if (logs.learning_rate === undefined) train.epoch_learning_rate = ctx.getLearningRate();
    const val: Record<string, number> = {};
    for (const [k, v] of Object.entries(logs)) {
      if (k.startsWith('val_')) val[`epoch_${k.slice(4)}`] = v;
      else train[`epoch_${k}`] = v;
    }
    if (this.o.writeStepsPerSecond) {
      const seconds = (performance.now() - this.epochStart) / 1000;
      train.epoch_steps_per_second = seconds > 0 ? (ctx.step - this.epochStartStep) / seconds : 0;
    }
    this.train?.scalars(epoch, train);
    if (Object.keys(val).length > 0) {
      this.validation ??= new EventFileWriter(path.join(this.dir, 'validation'));
      this.validation.scalars(epoch, val);
    }
    const freq = this.o.histogramFreq ?? 0;
    if (freq > 0 && epoch % freq === 0) this.train?.histograms(epoch, await weightHistograms(ctx));
  }
}

/** One histogram per weight of the model, tagged `<weight name>/histogram` as Keras does. */
async function weightHistograms(ctx: TrainingContext): Promise<Record<string, Histogram>> {
  const out: Record<string, Histogram> = {};
  for (const w of ctx.model.weights) {
    // read() hands out the variable itself: read its values, never dispose it.
    out[`${w.name}/histogram`] = histogramOf(await w.read().data());
  }
  return out;
}
