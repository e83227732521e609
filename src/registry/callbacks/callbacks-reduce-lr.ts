/**
 * ReduceLROnPlateau with Keras 3's semantics (keras/src/callbacks/reduce_lr_on_plateau.py):
 * `mode: auto` maximises when the monitor's name contains "acc" and minimises otherwise;
 * improvement is `current < best - min_delta` (min) or `current > best + min_delta` (max);
 * after `patience` epochs without improvement (outside cooldown) the rate becomes
 * max(lr * factor, min_lr), then `cooldown` epochs pass before counting again. Like Keras, it
 * logs the learning rate of every epoch as `learning_rate`.
 */
import type { SourceLocation } from '../../config/types.js';
import type { Callback, Logs, TrainingContext } from './callbacks-types.js';
import { checkMonitor, checkSettableRate } from './monitor.js';

export interface ReduceLROnPlateauOptions {
  monitor: string;
  factor: number;
  patience: number;
  verbose: number;
  mode: 'auto' | 'min' | 'max';
  minDelta: number;
  cooldown: number;
  minLr: number;
}

export class ReduceLROnPlateau implements Callback {
  readonly name = 'ReduceLROnPlateau';
  private best = Infinity;
  private wait = 0;
  private cooldownCounter = 0;
  private greater = false;
  private restored = false;

  constructor(private readonly o: ReduceLROnPlateauOptions, private readonly loc?: SourceLocation) {}

  onTrainBegin(ctx: TrainingContext): void {
    checkMonitor('ReduceLROnPlateau', this.o.monitor, ctx, this.loc);
    checkSettableRate('ReduceLROnPlateau', ctx, this.loc);
    this.greater = this.o.mode === 'max' || (this.o.mode === 'auto' && this.o.monitor.includes('acc'));
    if (this.restored) {
      // Resumed: keep the restored progress.
      this.restored = false;
      if (Number.isNaN(this.best)) this.best = this.greater ? -Infinity : Infinity;
      return;
    }
    this.best = this.greater ? -Infinity : Infinity;
    this.wait = 0;
    this.cooldownCounter = 0;
  }

  /** Progress for checkpoints: `{wait, best, cooldown_counter}` (±Infinity stored as null). */
  getState(): unknown {
    return { wait: this.wait, best: Number.isFinite(this.best) ? this.best : null, cooldown_counter: this.cooldownCounter };
  }

  setState(state: unknown): void {
    const s = (state ?? {}) as { wait?: unknown; best?: unknown; cooldown_counter?: unknown };
    this.wait = typeof s.wait === 'number' ? s.wait : 0;
    this.cooldownCounter = typeof s.cooldown_counter === 'number' ? s.cooldown_counter : 0;
    this.best = typeof s.best === 'number' ? s.best : NaN;
    this.restored = true;
  }

  private improved(current: number): boolean {
    return this.greater ? current > this.best + this.o.minDelta : current < this.best - this.o.minDelta;
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: TrainingContext): void {
    logs.learning_rate = ctx.getLearningRate();
    const current = logs[this.o.monitor];
    if (current === undefined) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (this.improved(current)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter <= 0) {
      this.wait += 1;
      if (this.wait >= this.o.patience) {
        const old = ctx.getLearningRate();
        // Keras compares against float32(min_lr): a rate already at the floor is left alone.
        if (old > Math.fround(this.o.minLr)) {
          const next = Math.max(old * this.o.factor, this.o.minLr);
          ctx.setLearningRate(next);
          if (this.o.verbose > 0) ctx.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${Number(next.toPrecision(6))}.`);
          this.cooldownCounter = this.o.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}
