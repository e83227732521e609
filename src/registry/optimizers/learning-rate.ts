/**
 * Reading and changing an optimizer's learning rate mid-training (ReduceLROnPlateau, schedules).
 * tfjs keeps it in a protected `learningRate` field, read at every step by all its optimizers
 * except SGD/Momentum, which cache it as a tensor refreshed by `setLearningRate`.
 */
import type * as tf from '@tensorflow/tfjs';

interface WithLearningRate {
  learningRate?: unknown;
  setLearningRate?: (lr: number) => void;
}

export function getLearningRate(optimizer: tf.Optimizer): number {
  const lr = (optimizer as unknown as WithLearningRate).learningRate;
  if (typeof lr !== 'number') throw new Error(`optimizer ${optimizer.getClassName()} exposes no learning rate`);
  return lr;
}

export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as WithLearningRate;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** True when the optimizer's rate follows a schedule (kerats' optimizers with `learning_rate: {ExponentialDecay: ...}`). */
export function hasSchedule(optimizer: tf.Optimizer): boolean {
  return (optimizer as unknown as { hasSchedule?: unknown }).hasSchedule === true;
}
