/** The TrainingContext the loop hands to callbacks: model, optimizer, position, stop, weights, rate. */
import type * as tf from '@tensorflow/tfjs';
import type { Prng } from '../../util/prng.js';
import type { TrainingContext } from '../../registry/callbacks/callbacks-types.js';
import { getLearningRate, hasSchedule, setLearningRate } from '../../registry/optimizers/learning-rate.js';
import type { Direction } from '../../registry/metrics-state.js';
import type { EpochProgress } from '../../registry/callbacks/callbacks-types.js';

export interface ContextInit {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  epochs: number;
  stepsPerEpoch: number;
  logKeys: readonly string[];
  /** `up`/`down` per metric log name (the loss and per-output losses are `down`). */
  directions: Map<string, Direction>;
  onMessage: (text: string) => void;
  onCheckpoint?: (epoch: number, path: string) => void;
  initialEpoch: number;
  /** Batches of `initialEpoch` already trained (a mid-epoch resume), and their running sums. */
  initialBatch?: number;
  initialProgress?: EpochProgress;
  rng: Prng;
}

export class Context implements TrainingContext {
  stopReason: string | undefined;
  restoredEpoch?: number;
  bestEpoch?: number;
  readonly model: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly epochs: number;
  stepsPerEpoch: number;
  readonly logKeys: readonly string[];
  epoch: number;
  /** Batches done in the current epoch. */
  batch: number;
  /** The trainer's current epoch sums (set once an epoch runs). */
  progress: (() => EpochProgress) | undefined;
  private steps = 0;
  private epochRngState: number;

  constructor(private readonly init: ContextInit) {
    this.model = init.model;
    this.optimizer = init.optimizer;
    this.epochs = init.epochs;
    this.stepsPerEpoch = init.stepsPerEpoch;
    this.logKeys = init.logKeys;
    this.epoch = init.initialEpoch;
    this.batch = init.initialBatch ?? 0;
    const initial = init.initialProgress;
    this.progress = initial ? () => initial : undefined;
    this.epochRngState = init.rng.getState();
  }

  epochProgress(): EpochProgress | undefined {
    return this.progress?.();
  }

  /** Optimizer steps so far: the optimizer's own count (restored ones included) when it keeps one. */
  get step(): number {
    const it = (this.optimizer as { iterations?: unknown }).iterations;
    return typeof it === 'number' && it > 0 ? it : this.steps;
  }

  /** `batch`: where the epoch starts (above 0 for the first epoch of a mid-epoch resume). */
  beginEpoch(epoch: number, batch = 0): void {
    this.epoch = epoch;
    this.batch = batch;
    this.epochRngState = this.init.rng.getState();
  }

  endStep(): void {
    this.steps++;
    this.batch++;
  }

  rngState(): number {
    return this.epochRngState;
  }

  get stopRequested(): boolean {
    return this.stopReason !== undefined;
  }
  directionOf(logKey: string): Direction | undefined {
    const k = logKey.replace(/^val_/, '');
    if (k === 'loss' || k.endsWith('_loss')) return this.init.directions.get(k) ?? 'down';
    return this.init.directions.get(k);
  }
  stopTraining(reason: string): void {
    this.stopReason ??= reason;
  }
  getWeights(): tf.Tensor[] {
    // getWeights() hands out the variables' current tensors; the optimizer replaces those on the
    // next step, so a snapshot must be a copy.
    return this.model.getWeights().map((w) => w.clone());
  }
  setWeights(weights: tf.Tensor[]): void {
    this.model.setWeights(weights);
  }
  get learningRateScheduled(): boolean {
    return hasSchedule(this.optimizer);
  }
  getLearningRate(): number {
    return getLearningRate(this.optimizer);
  }
  setLearningRate(lr: number): void {
    setLearningRate(this.optimizer, lr);
  }
  log(message: string): void {
    this.init.onMessage(message);
  }
  checkpointSaved(epoch: number, path: string): void {
    this.init.onCheckpoint?.(epoch, path);
  }
}
