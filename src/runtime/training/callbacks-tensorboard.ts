/**
 * TensorBoard (Keras): scalar summaries TensorBoard's Scalars dashboard reads, laid out as Keras 3
 * writes them: `<log_dir>/train/events.out.tfevents.*` with `epoch_loss`, `epoch_<metric>`
 * (and `epoch_learning_rate`) at step = epoch (0-based), and `<log_dir>/validation/...` with the
 * `val_` quantities under the same tags. With `update_freq: batch` (or every N batches), the
 * train writer also gets `batch_<name>` at step = optimizer iterations.
 */
import * as path from 'node:path';
import type { Callback, Logs, TrainingContext } from './callbacks-types.js';
import { EventFileWriter } from './tfevents.js';

export interface TensorBoardOptions {
  logDir: string;
  updateFreq: 'epoch' | 'batch' | number;
}

export class TensorBoard implements Callback {
  readonly name = 'TensorBoard';
  private train: EventFileWriter | undefined;
  private validation: EventFileWriter | undefined;
  private readonly dir: string;

  constructor(private readonly o: TensorBoardOptions, baseDir: string = process.cwd()) {
    this.dir = path.resolve(baseDir, o.logDir);
  }

  onTrainBegin(): void {
    this.train = new EventFileWriter(path.join(this.dir, 'train'));
  }

  onBatchEnd(batch: number, logs: Logs, ctx: TrainingContext): void {
    const f = this.o.updateFreq;
    if (f === 'epoch') return;
    const every = f === 'batch' ? 1 : f;
    if ((batch + 1) % every !== 0) return;
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(logs)) values[`batch_${k}`] = v;
    this.train?.scalars(ctx.step, values);
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: TrainingContext): void {
    const train: Record<string, number> = {};
    // Like Keras, the rate is plotted too (whether or not a callback logged it).
    if (logs.learning_rate === undefined) train.epoch_learning_rate = ctx.getLearningRate();
    const val: Record<string, number> = {};
    for (const [k, v] of Object.entries(logs)) {
      if (k.startsWith('val_')) val[`epoch_${k.slice(4)}`] = v;
      else train[`epoch_${k}`] = v;
    }
    this.train?.scalars(epoch, train);
    if (Object.keys(val).length > 0) {
      this.validation ??= new EventFileWriter(path.join(this.dir, 'validation'));
      this.validation.scalars(epoch, val);
    }
  }
}
