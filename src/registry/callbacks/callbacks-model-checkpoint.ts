/**
 * ModelCheckpoint (Keras): saves the model (or only its weights) at the end of every epoch or every
 * `save_freq` batches, to a path filled from a template (`ckpt-{epoch:02d}-{val_loss:.3f}`, epoch
 * 1-based as Keras writes it). With `save_best_only`, it saves only when the monitored value
 * strictly improves on the best so far (Keras: `monitor_op(current, best)`, no min_delta).
 *
 * Each save is a folder: `model.json` + `weights.bin` (loadable by `kerats evaluate`/`predict`), or
 * with `save_weights_only` just `weights.bin` + `weights.json` (the manifest). It is written under a
 * temporary name and renamed into place, so a killed run never leaves a half-written save.
 */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import type { SourceLocation } from '../../config/types.js';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic.js';
import { ConfigError } from '../../util/errors.js';
import { replaceDir } from '../../saving/checkpoint/atomic-dir.js';
import { fillTemplate } from '../../saving/checkpoint/template.js';
import { saveModel, WEIGHTS_FILE } from '../../saving/model-io.js';
import { formatValue, type Callback, type Logs, type TrainingContext } from './callbacks-types.js';
import { checkMonitor } from './monitor.js';

export interface ModelCheckpointOptions {
  filepath: string;
  monitor: string;
  verbose: number;
  saveBestOnly: boolean;
  saveWeightsOnly: boolean;
  mode: 'auto' | 'min' | 'max';
  /** 'epoch' or a number of batches. */
  saveFreq: 'epoch' | number;
  initialValueThreshold?: number;
}

interface ModelCheckpointState {
  best: number | null;
  batchesSinceSave: number;
}

/** Writes only the weights: `weights.bin` and its manifest `weights.json`. */
export async function saveWeightsOnly(model: tf.LayersModel, dir: string): Promise<void> {
  const named = model.weights.map((w) => ({ name: w.originalName, tensor: w.read() }));
  const { data, specs } = await tf.io.encodeWeights(named);
  await writeFileAtomic(path.join(dir, WEIGHTS_FILE), new Uint8Array(data as ArrayBuffer));
  await writeJsonAtomic(path.join(dir, 'weights.json'), { format: 'kerats-weights', weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }] });
}

export class ModelCheckpoint implements Callback {
  readonly name = 'ModelCheckpoint';
  private best = Infinity;
  private greater = false;
  private batchesSinceSave = 0;
  private restored: ModelCheckpointState | undefined;
  /** Paths written, in order (tests, reports). */
  readonly saved: string[] = [];

  constructor(
    private readonly o: ModelCheckpointOptions,
    private readonly baseDir: string = process.cwd(),
    private readonly loc?: SourceLocation,
  ) {}

  getState(): ModelCheckpointState {
    return { best: Number.isFinite(this.best) ? this.best : null, batchesSinceSave: this.batchesSinceSave };
  }

  setState(state: unknown): void {
    const s = state as Partial<ModelCheckpointState> | undefined;
    if (s && typeof s === 'object') this.restored = { best: typeof s.best === 'number' ? s.best : null, batchesSinceSave: s.batchesSinceSave ?? 0 };
  }

  onTrainBegin(ctx: TrainingContext): void {
    if (this.o.saveBestOnly) checkMonitor('ModelCheckpoint', this.o.monitor, ctx, this.loc);
    if (this.o.mode === 'min') this.greater = false;
    else if (this.o.mode === 'max') this.greater = true;
    else {
      // Keras: "acc"-like names are maximised, everything else minimised; known metrics say their direction.
      const dir = ctx.directionOf(this.o.monitor);
      this.greater = dir ? dir === 'up' : /acc|auc|precision|recall/.test(this.o.monitor);
    }
    const initial = this.o.initialValueThreshold ?? (this.greater ? -Infinity : Infinity);
    this.best = this.restored?.best ?? initial;
    this.batchesSinceSave = this.restored?.batchesSinceSave ?? 0;
    this.restored = undefined;
  }

  async onBatchEnd(batch: number, logs: Logs, ctx: TrainingContext): Promise<void> {
    if (this.o.saveFreq === 'epoch') return;
    this.batchesSinceSave += 1;
    if (this.batchesSinceSave >= this.o.saveFreq) {
      this.batchesSinceSave = 0;
      await this.maybeSave(ctx.epoch, batch, logs, ctx);
    }
  }

  async onEpochEnd(epoch: number, logs: Logs, ctx: TrainingContext): Promise<void> {
    if (this.o.saveFreq === 'epoch') await this.maybeSave(epoch, undefined, logs, ctx);
  }

  private async maybeSave(epoch: number, batch: number | undefined, logs: Logs, ctx: TrainingContext): Promise<void> {
    if (this.o.saveBestOnly) {
      const current = logs[this.o.monitor];
      if (current === undefined || Number.isNaN(current)) {
        if (this.o.verbose > 0) ctx.log(`ModelCheckpoint: can save best model only with ${this.o.monitor} available, skipping`);
        return;
      }
      const improved = this.greater ? current > this.best : current < this.best;
      if (!improved) {
        if (this.o.verbose > 0) ctx.log(`Epoch ${epoch + 1}: ${this.o.monitor} did not improve from ${formatValue(this.best)}`);
        return;
      }
      const previous = this.best;
      this.best = current;
      const file = await this.save(epoch, batch, logs, ctx);
      if (this.o.verbose > 0) {
        ctx.log(`Epoch ${epoch + 1}: ${this.o.monitor} improved from ${formatValue(previous)} to ${formatValue(current)}, saving model to ${file}`);
      }
      return;
    }
    const file = await this.save(epoch, batch, logs, ctx);
    if (this.o.verbose > 0) ctx.log(`Epoch ${epoch + 1}: saving model to ${file}`);
  }

  private async save(epoch: number, batch: number | undefined, logs: Logs, ctx: TrainingContext): Promise<string> {
    const values: Record<string, number> = { ...logs, epoch: epoch + 1 };
    if (batch !== undefined) values.batch = batch + 1;
    let filled: string;
    try {
      filled = fillTemplate(this.o.filepath, values);
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(e.problems.map((p) => ({ ...p, message: `ModelCheckpoint: ${p.message}`, loc: this.loc })));
      throw e;
    }
    const dir = path.resolve(this.baseDir, filled);
    await replaceDir(dir, (tmp) => (this.o.saveWeightsOnly ? saveWeightsOnly(ctx.model, tmp) : saveModel(ctx.model, tmp)));
    this.saved.push(dir);
    ctx.checkpointSaved?.(epoch + 1, dir);
    return filled;
  }
}
