/**
 * The callback that writes resume checkpoints (checkpoint.ts) as training goes: the run folder's
 * `checkpoints/last/` and BackupAndRestore's backup folder both use it. It runs after every other
 * callback, so the callbacks' state it records already includes the epoch it saves.
 *
 * With `saveFreq: N` it saves every N batches instead of at epoch ends (Keras's BackupAndRestore
 * counts batches across epochs the same way): such a checkpoint records the epoch in progress, the
 * batches of it already trained and the epoch's running sums, and a resume continues with the next
 * batch of the same shuffled order.
 */
import type { Callback, Logs, TrainingContext } from '../../registry/callbacks/callbacks-types.js';
import type { EpochProgress } from '../../registry/callbacks/callbacks-types.js';
import { removeDir } from './atomic-dir.js';
import { writeCheckpoint, type CallbackState } from './checkpoint.js';
import { NonFiniteWeightsError } from '../weight-check.js';
import { DataError } from '../../util/errors.js';
import path from 'node:path';

export interface CheckpointerOptions {
  /** Folder replaced by each checkpoint. */
  dir: string;
  seed: number;
  configSha256: string;
  dataSha256: string;
  /** History of the epochs before this fit (a resumed run's), which checkpoints carry on. */
  history?: Record<string, number[]>;
  /**
   * The shuffle state at the start of the next epoch from the state at the start of this one
   * (what `ctx.rngState()` gives at an epoch's end); identity when absent.
   */
  nextEpochRng?: (state: number) => number;
  /** The callbacks whose `getState()` is recorded, in list order. */
  callbacks: () => readonly Callback[];
  /** Checkpoint before the first epoch too, so an interrupt in epoch 1 leaves something to resume. */
  saveAtStart?: boolean;
  /** Remove the checkpoint when training ends normally (BackupAndRestore's `delete_checkpoint`). */
  deleteOnEnd?: boolean;
  /** True when training was interrupted (Ctrl-C): the checkpoint is then kept whatever `deleteOnEnd` says. */
  interrupted?: () => boolean;
  /** Called after each checkpoint is on disk, with the epochs it holds complete and the batches of the next. */
  onSaved?: (epochs: number, batch: number) => void;
  /** `epoch` (default): save at the end of every epoch; N: every N batches instead. */
  saveFreq?: 'epoch' | number;
}

/** Where in training a checkpoint is taken. */
interface Position {
  /** Epochs completed (the epoch to resume in). */
  epoch: number;
  /** Batches of that epoch already trained (0 at an epoch boundary). */
  batch: number;
  /** Shuffle state at the start of epoch `epoch`. */
  rngState: number;
  progress?: EpochProgress;
}

/** Copies of the history's arrays, so later epochs don't alias a saved one. */
function copyHistory(h: Record<string, number[]>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, [...v]]));
}

export class Checkpointer implements Callback {
  readonly name: string = 'Checkpointer';
  private history: Record<string, number[]>;
  /** Epochs completed, counting those before this fit. */
  private epochsDone = 0;
  /** Shuffle state at the start of the next epoch. */
  private nextRng = 0;
  private batchesSinceSave = 0;
  /** Set by `onInterrupt`: the checkpoint then outlives the run whatever `deleteOnEnd` says. */
  private stoppedBySignal = false;
  /** Epochs the checkpoint on disk holds (undefined before the first one). */
  private savedEpochs: number | undefined;

  constructor(private readonly o: CheckpointerOptions) {
    this.history = copyHistory(o.history ?? {});
  }

  async onTrainBegin(ctx: TrainingContext): Promise<void> {
    this.epochsDone = ctx.epoch;
    this.nextRng = ctx.rngState();
    this.batchesSinceSave = 0;
    // A resumed run starts from a checkpoint already on disk.
    if (!this.o.saveAtStart && ctx.epoch > 0) this.savedEpochs = ctx.epoch;
    // A run resumed mid-epoch starts inside its first epoch: a checkpoint now must say so.
    const batch = ctx.batch ?? 0;
    if (this.o.saveAtStart) await this.save(ctx, { epoch: ctx.epoch, batch, rngState: ctx.rngState(), progress: batch > 0 ? ctx.epochProgress?.() : undefined });
  }

  async onBatchEnd(_batch: number, _logs: Logs, ctx: TrainingContext): Promise<void> {
    const freq = this.o.saveFreq;
    if (freq === undefined || freq === 'epoch') return;
    if (++this.batchesSinceSave < freq) return;
    this.batchesSinceSave = 0;
    const progress = ctx.epochProgress?.();
    if (ctx.batch === undefined || !progress) throw new Error('Checkpointer: the training loop gives no epoch progress for a mid-epoch checkpoint');
    await this.save(ctx, { epoch: ctx.epoch, batch: ctx.batch, rngState: ctx.rngState(), progress });
  }

  async onEpochEnd(epoch: number, logs: Logs, ctx: TrainingContext): Promise<void> {
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
    this.epochsDone = epoch + 1;
    this.nextRng = this.o.nextEpochRng ? this.o.nextEpochRng(ctx.rngState()) : ctx.rngState();
    if (this.o.saveFreq === undefined || this.o.saveFreq === 'epoch') await this.save(ctx, { epoch: this.epochsDone, batch: 0, rngState: this.nextRng });
  }

  /** Stopped by a signal mid-epoch: save the position now, so a resume continues with the next batch. */
  async onInterrupt(ctx: TrainingContext): Promise<void> {
    this.stoppedBySignal = true;
    const progress = ctx.epochProgress?.();
    const batch = ctx.batch ?? 0;
    if (batch > 0 && progress) await this.save(ctx, { epoch: ctx.epoch, batch, rngState: ctx.rngState(), progress });
  }

  async onTrainEnd(): Promise<void> {
    // Training ended by itself (all epochs, or a callback stopped it): the backup has served.
    if (this.o.deleteOnEnd && !this.stoppedBySignal && !this.o.interrupted?.()) await removeDir(this.o.dir);
  }

  private async save(ctx: TrainingContext, at: Position): Promise<void> {
    const callbacks: CallbackState[] = [];
    for (const cb of this.o.callbacks()) {
      if (cb === this || !cb.getState) continue;
      callbacks.push({ name: cb.name, state: cb.getState() });
    }
    await this.write(ctx, at, callbacks);
    this.savedEpochs = this.epochsDone;
    this.o.onSaved?.(at.epoch, at.batch);
    // The epoch-0 checkpoint (written so a resume can start from scratch) and mid-epoch ones are not news to a dashboard.
    if (this.epochsDone > 0 && at.batch === 0) ctx.checkpointSaved?.(this.epochsDone, this.o.dir);
  }

  /**
   * Writes the checkpoint. Weights that went NaN are never written over the last finite
   * checkpoint: training stops here with an error that says where that checkpoint is.
   */
  private async write(ctx: TrainingContext, at: Position, callbacks: CallbackState[]): Promise<void> {
    try {
      await this.writeCheckpoint(ctx, at, callbacks);
    } catch (err) {
      if (!(err instanceof NonFiniteWeightsError)) throw err;
      const where = path.relative(process.cwd(), this.o.dir) || this.o.dir;
      const kept = !this.savedEpochs ? 'no epoch ended with finite weights, so there is nothing to keep' : `the last finite checkpoint (after epoch ${this.savedEpochs}) is kept in ${where}`;
      const when = at.batch > 0 ? `batch ${at.batch} of epoch ${at.epoch + 1}` : `epoch ${at.epoch}`;
      throw new DataError(
        `training diverged: after ${when} the weight "${err.weight}" holds NaN or infinite values, so the model is not saved; ${kept}. ` +
          'Lower the learning rate, scale the inputs (Normalization) or clip gradients (optimizer clipnorm), and train again',
      );
    }
  }

  private async writeCheckpoint(ctx: TrainingContext, at: Position, callbacks: CallbackState[]): Promise<void> {
    await writeCheckpoint(this.o.dir, ctx.model, ctx.optimizer, {
      epoch: at.epoch,
      ...(at.batch > 0 && at.progress ? { batch: at.batch, epochProgress: at.progress } : {}),
      step: ctx.step,
      history: this.history,
      seed: this.o.seed,
      rngState: at.rngState,
      callbacks,
      configSha256: this.o.configSha256,
      dataSha256: this.o.dataSha256,
    });
  }
}

/** Gives each callback the state saved for the callback at its position (same name), before training. */
export function restoreCallbackStates(cbs: readonly Callback[], saved: readonly CallbackState[]): void {
  const queue = [...saved];
  for (const cb of cbs) {
    if (!cb.getState || !cb.setState) continue;
    const i = queue.findIndex((s) => s.name === cb.name);
    if (i < 0) continue;
    const [s] = queue.splice(i, 1);
    cb.setState(s?.state);
  }
}
