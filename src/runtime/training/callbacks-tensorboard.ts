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

export class TensorBoard implements Callback {
  readonly name = 'TensorBoard';
  private train: EventFileWriter | undefined;
  private validation: EventFileWriter | undefined;
  private readonly dir: string;
  private epochStart = 0;
  private epochStartStep = 0;
  private batchStart = 0;

  constructor(private readonly o: TensorBoardOptions, baseDir: string = process.cwd()) {
    this.dir = path.resolve(baseDir, o.logDir);
  }

  onTrainBegin(ctx: TrainingContext): void {
    this.train = new EventFileWriter(path.join(this.dir, 'train'));
    if (this.o.writeGraph) this.train.kerasModel(JSON.stringify(ctx.model.toJSON(null, false)));
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
