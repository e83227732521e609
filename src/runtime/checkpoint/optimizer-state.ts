/**
 * An optimizer's state (Adam's moments, Momentum's accumulators, the iteration count) as tensors
 * to save and restore. tfjs's `getWeights()`/`setWeights()` cover the slots, but `setWeights`
 * recomputes Adam's bias-correction powers as `pow(beta, iterations + 1)`, which differs in the
 * last bits from the running products the uninterrupted run holds; so every other variable the
 * optimizer owns (`accBeta1`, `accBeta2`, Adamax's `iteration`) is saved too and written back
 * after `setWeights`, which makes a resumed run bit-identical to an uninterrupted one.
 */
import * as tf from '@tensorflow/tfjs';
import { getLearningRate, setLearningRate } from '../training/learning-rate.js';

export interface OptimizerSnapshot {
  className: string;
  /** `getWeights()` in order (iterations first), then `extra:<property>` variables. Caller disposes. */
  tensors: tf.NamedTensor[];
  learningRate?: number;
}

const EXTRA = 'extra:';

/** Own properties of the optimizer holding a variable outside its slot lists. */
function extraVariables(optimizer: tf.Optimizer): [string, tf.Variable][] {
  const out: [string, tf.Variable][] = [];
  for (const [key, value] of Object.entries(optimizer as unknown as Record<string, unknown>)) {
    if (value instanceof tf.Variable) out.push([key, value]);
  }
  return out.sort(([a], [b]) => a.localeCompare(b));
}

function learningRateOf(optimizer: tf.Optimizer): number | undefined {
  try {
    return getLearningRate(optimizer);
  } catch {
    return undefined;
  }
}

/** Copies of everything the optimizer would need to continue exactly where it is. */
export async function snapshotOptimizer(optimizer: tf.Optimizer): Promise<OptimizerSnapshot> {
  const weights = await optimizer.getWeights();
  // getWeights hands out the live slot variables (and a fresh iterations scalar); copy the slots
  // so the snapshot survives the next step.
  const tensors: tf.NamedTensor[] = weights.map((w, i) => ({ name: w.name, tensor: i === 0 ? w.tensor : w.tensor.clone() }));
  for (const [key, v] of extraVariables(optimizer)) tensors.push({ name: EXTRA + key, tensor: v.clone() });
  return { className: optimizer.getClassName(), tensors, learningRate: learningRateOf(optimizer) };
}

/** Puts a snapshot back into a freshly built optimizer of the same class. Does not take ownership. */
export async function restoreOptimizer(optimizer: tf.Optimizer, snap: OptimizerSnapshot): Promise<void> {
  if (optimizer.getClassName() !== snap.className) {
    throw new Error(`checkpoint optimizer is ${snap.className}, the config builds ${optimizer.getClassName()}`);
  }
  const slots = snap.tensors.filter((t) => !t.name.startsWith(EXTRA)).map((t) => ({ name: t.name, tensor: t.tensor.clone() }));
  // setWeights makes variables from the given tensors; the clones become theirs.
  await optimizer.setWeights(slots);
  const extras = new Map(extraVariables(optimizer));
  for (const t of snap.tensors) {
    if (!t.name.startsWith(EXTRA)) continue;
    extras.get(t.name.slice(EXTRA.length))?.assign(t.tensor);
  }
  if (snap.learningRate !== undefined) setLearningRate(optimizer, snap.learningRate);
}

export function disposeSnapshot(snap: OptimizerSnapshot): void {
  tf.dispose(snap.tensors.map((t) => t.tensor));
}
