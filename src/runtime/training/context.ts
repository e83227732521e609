/** The TrainingContext the loop hands to callbacks: model, optimizer, position, stop, weights, rate. */
import type * as tf from '@tensorflow/tfjs';
import type { Prng } from '../../util/prng.js';
import type { TrainingContext } from './callbacks-types.js';
import { getLearningRate, hasSchedule, setLearningRate } from './learning-rate.js';
import type { Direction } from './metrics-state.js';

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
  private steps = 0;
  private epochRngState: number;

  constructor(private readonly init: ContextInit) {
    this.model = init.model;
    this.optimizer = init.optimizer;
    this.epochs = init.epochs;
    this.stepsPerEpoch = init.stepsPerEpoch;
    this.logKeys = init.logKeys;
    this.epoch = init.initialEpoch;
    this.epochRngState = init.rng.getState();
  }

  /** Optimizer steps so far: the optimizer's own count (restored ones included) when it keeps one. */
  get step(): number {
    const it = (this.optimizer as { iterations?: unknown }).iterations;
    return typeof it === 'number' && it > 0 ? it : this.steps;
  }

  beginEpoch(epoch: number): void {
    this.epoch = epoch;
    this.epochRngState = this.init.rng.getState();
  }

  endStep(): void {
    this.steps++;
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
