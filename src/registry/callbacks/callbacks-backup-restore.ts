/**
 * BackupAndRestore (Keras): keeps a resume checkpoint in `backup_dir` at the end of every epoch
 * (`save_freq: epoch`) or every N batches (`save_freq: N`, counted across epochs as Keras does);
 * when `kerats train` starts and finds one there, it continues from it (weights, optimizer state,
 * epoch, shuffle order, other callbacks' state; for a batch backup also the position within the
 * epoch and the epoch's running sums, so the epoch goes on with its next batch) instead of
 * starting over. `delete_checkpoint` removes the backup when training ends normally.
 *
 * The restoring happens in `runTraining` before the loop starts (it sets the initial epoch, which a
 * callback cannot); this callback is the writing half, a `Checkpointer` the run attaches.
 */
import path from 'node:path';
import type { SourceLocation } from '../../config/types.js';
import { ConfigError } from '../../util/errors.js';
import { Checkpointer, type CheckpointerOptions } from '../../saving/checkpoint/checkpointer.js';
import type { Callback, Logs, TrainingContext } from './callbacks-types.js';

export interface BackupAndRestoreOptions {
  backupDir: string;
  saveFreq: 'epoch' | number;
  deleteCheckpoint: boolean;
}

export class BackupAndRestore implements Callback {
  readonly name = 'BackupAndRestore';
  /** Absolute backup folder. */
  readonly dir: string;
  private inner: Checkpointer | undefined;

  constructor(readonly o: BackupAndRestoreOptions, baseDir: string = process.cwd(), private readonly loc?: SourceLocation) {
    if (o.saveFreq !== 'epoch' && !(Number.isInteger(o.saveFreq) && o.saveFreq >= 1)) {
      throw new ConfigError({ message: `BackupAndRestore: save_freq must be "epoch" or a whole number of batches (1 or more), got ${JSON.stringify(o.saveFreq)}`, loc });
    }
    this.dir = path.resolve(baseDir, o.backupDir);
  }

  /** Connects the callback to the run (seed, hashes, the callbacks whose state to keep). */
  attach(opts: Omit<CheckpointerOptions, 'dir' | 'deleteOnEnd' | 'saveFreq'>): void {
    this.inner = new Checkpointer({ ...opts, dir: this.dir, deleteOnEnd: this.o.deleteCheckpoint, saveFreq: this.o.saveFreq });
  }

  private checkpointer(): Checkpointer {
    if (!this.inner) throw new ConfigError({ message: 'BackupAndRestore works only in runs started by `kerats train`', loc: this.loc });
    return this.inner;
  }

  async onTrainBegin(ctx: TrainingContext): Promise<void> {
    await this.checkpointer().onTrainBegin(ctx);
  }

  async onBatchEnd(batch: number, logs: Logs, ctx: TrainingContext): Promise<void> {
    await this.checkpointer().onBatchEnd(batch, logs, ctx);
  }

  async onEpochEnd(epoch: number, logs: Logs, ctx: TrainingContext): Promise<void> {
    await this.checkpointer().onEpochEnd(epoch, logs, ctx);
  }

  async onTrainEnd(): Promise<void> {
    await this.checkpointer().onTrainEnd();
  }
}
