/**
 * EarlyStopping with Keras 3's exact semantics (keras/src/callbacks/early_stopping.py):
 * - an improvement is `current - min_delta > best` (max) or `current + min_delta < best` (min);
 * - `wait` counts epochs since the last improvement; training stops when `wait >= patience`
 *   (never at the first epoch);
 * - with `baseline`, an improvement over the previous best only resets `wait` if it also beats
 *   the baseline;
 * - epochs before `start_from_epoch` are ignored;
 * - with `restore_best_weights`, the best epoch's weights are restored at the end of training,
 *   whether training stopped early or ran all epochs.
 */
import type * as tf from '@tensorflow/tfjs';
import type { SourceLocation } from '../../config/types.js';
import { ConfigError } from '../../util/errors.js';
import { formatValue, type Callback, type Logs, type TrainingContext } from './callbacks-types.js';
import { checkMonitor } from './monitor.js';

export interface EarlyStoppingOptions {
  monitor: string;
  minDelta: number;
  patience: number;
  mode: 'auto' | 'min' | 'max';
  baseline?: number;
  restoreBestWeights: boolean;
  startFromEpoch: number;
  verbose: number;
}

export class EarlyStopping implements Callback {
  readonly name = 'EarlyStopping';
  private wait = 0;
  private best = Infinity;
  private bestEpoch = 0;
  private bestWeights: tf.Tensor[] | undefined;
  private greater = false;
  private minDelta: number;
  private restored = false;

  constructor(private readonly o: EarlyStoppingOptions, private readonly loc?: SourceLocation) {
    this.minDelta = Math.abs(o.minDelta);
  }

  onTrainBegin(ctx: TrainingContext): void {
    checkMonitor('EarlyStopping', this.o.monitor, ctx, this.loc);
    if (this.o.mode === 'min') this.greater = false;
    else if (this.o.mode === 'max') this.greater = true;
    else {
      const metric = this.o.monitor.replace(/^val_/, '');
      const dir = metric === 'loss' ? 'down' : ctx.directionOf(this.o.monitor);
      if (!dir) {
        throw new ConfigError({
          message: `EarlyStopping: cannot tell whether monitor "${this.o.monitor}" should go up or down; set \`mode: max\` or \`mode: min\``,
          loc: this.loc,
        });
      }
      this.greater = dir === 'up';
    }
    this.disposeBest();
    if (this.restored && Number.isNaN(this.best)) this.best = this.greater ? -Infinity : Infinity;
    if (this.restored) {
      // Resumed: keep the restored best/wait (the best epoch's weights are not part of the state).
      this.restored = false;
      return;
    }
    this.best = this.greater ? -Infinity : Infinity;
    this.wait = 0;
    this.bestEpoch = 0;
  }

  /** Progress for checkpoints: `{wait, best, best_epoch}` (JSON: ±Infinity is stored as null). */
  getState(): unknown {
    return { wait: this.wait, best: Number.isFinite(this.best) ? this.best : null, best_epoch: this.bestEpoch };
  }

  setState(state: unknown): void {
    const s = (state ?? {}) as { wait?: unknown; best?: unknown; best_epoch?: unknown };
    this.wait = typeof s.wait === 'number' ? s.wait : 0;
    this.bestEpoch = typeof s.best_epoch === 'number' ? s.best_epoch : 0;
    this.best = typeof s.best === 'number' ? s.best : NaN;
    this.restored = true;
  }

  private isImprovement(current: number, reference: number): boolean {
    return this.greater ? current - this.minDelta > reference : current + this.minDelta < reference;
  }

  private snapshot(ctx: TrainingContext): void {
    this.disposeBest();
    this.bestWeights = ctx.getWeights();
  }

  private disposeBest(): void {
    for (const w of this.bestWeights ?? []) w.dispose();
    this.bestWeights = undefined;
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: TrainingContext): void {
    const current = logs[this.o.monitor];
    if (current === undefined || epoch < this.o.startFromEpoch) return;
    if (this.o.restoreBestWeights && !this.bestWeights) {
      // Before any improvement is seen, the current weights are the best ones.
      this.snapshot(ctx);
      this.bestEpoch = epoch;
    }
    this.wait += 1;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      ctx.bestEpoch = epoch + 1;
      if (this.o.restoreBestWeights) this.snapshot(ctx);
      if (this.o.baseline === undefined || this.isImprovement(current, this.o.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.o.patience && epoch > 0) {
      const epochs = `${this.wait} epoch${this.wait === 1 ? '' : 's'}`;
      const since =
        this.o.baseline !== undefined && !this.isImprovement(this.best, this.o.baseline)
          ? `did not beat baseline ${this.o.baseline} in ${epochs}`
          : `did not improve${this.minDelta > 0 ? ` by more than min_delta=${this.minDelta}` : ''} for ${epochs}`;
      ctx.stopTraining(
        `EarlyStopping: ${this.o.monitor} ${since} (best ${formatValue(this.best)} at epoch ${this.bestEpoch + 1}, patience ${this.o.patience})`,
      );
    }
  }

  onTrainEnd(_logs: Logs, ctx: TrainingContext): void {
    // Keras prints "Epoch N: early stopping" / "Restoring model weights ..." with verbose=1; the
    // progress reporter always prints both facts (from stopReason and restoredEpoch), so the
    // callback itself stays silent rather than say them twice.
    if (this.o.restoreBestWeights && this.bestWeights) {
      ctx.setWeights(this.bestWeights);
      ctx.restoredEpoch = this.bestEpoch + 1;
      ctx.bestEpoch = this.bestEpoch + 1;
    }
    this.disposeBest();
  }
}
