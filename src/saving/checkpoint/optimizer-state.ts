/**
 * An optimizer's state (moments, accumulators, the iteration count) as tensors to save and
 * restore, through `getWeights()`/`setWeights()`, which both tfjs's optimizers and kerats' own
 * (training/optimizers/base.ts) implement. Two details make a resumed run bit-identical to an
 * uninterrupted one:
 * - tfjs's Adam `setWeights` recomputes its bias-correction powers as `pow(beta, t + 1)`, which
 *   differs in the last bits from the running product an uninterrupted run holds; so every other
 *   variable the optimizer owns (`accBeta1`, `accBeta2`, Adamax's `iteration`) is saved too and
 *   written back after `setWeights`;
 * - slots named after model variables (`dense_Dense1/kernel/m`) are renamed to the variables of
 *   the model they are restored into, matched by position (tfjs numbers layer names per process).
 */
import * as tf from '@tensorflow/tfjs';
import { getLearningRate, setLearningRate } from '../../registry/optimizers/learning-rate.js';

/** A tensor with its name (tfjs's NamedTensor, which the package index does not export). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export interface OptimizerSnapshot {
  className: string;
  /** `getWeights()` in order (iterations first), then `extra:<property>` variables. Caller disposes. */
  tensors: NamedTensor[];
  learningRate?: number;
  /** Names of the model's trainable variables when saved, in order. */
  variables: string[];
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

function hasSchedule(optimizer: tf.Optimizer): boolean {
  return (optimizer as unknown as { hasSchedule?: boolean }).hasSchedule === true;
}

function learningRateOf(optimizer: tf.Optimizer): number | undefined {
  if (hasSchedule(optimizer)) return undefined; // follows the iteration count, which is restored
  try {
    return getLearningRate(optimizer);
  } catch {
    return undefined;
  }
}

/** The engine names of a model's trainable variables (what optimizers key their slots by). */
export function trainableNames(model: tf.LayersModel): string[] {
  return model.trainableWeights.map((w) => (w.read() as tf.Variable).name);
}

/** Copies of everything the optimizer would need to continue exactly where it is. */
export async function snapshotOptimizer(optimizer: tf.Optimizer, model: tf.LayersModel): Promise<OptimizerSnapshot> {
  const weights = await optimizer.getWeights();
  // tfjs's optimizers hand out their live slot variables (copy them, or the next step changes the
  // snapshot); kerats' hand out copies already.
  const tensors: NamedTensor[] = weights.map((w) => ({ name: w.name, tensor: w.tensor instanceof tf.Variable ? w.tensor.clone() : w.tensor }));
  for (const [key, v] of extraVariables(optimizer)) tensors.push({ name: EXTRA + key, tensor: v.clone() });
  return { className: optimizer.getClassName(), tensors, learningRate: learningRateOf(optimizer), variables: trainableNames(model) };
}

/** `old/slot` → `new/slot` for slot names that start with a saved variable name. */
function renamer(saved: string[], current: string[]): (name: string) => string {
  const pairs = saved.map((s, i) => [s, current[i] ?? s] as const).sort((a, b) => b[0].length - a[0].length);
  return (name) => {
    for (const [from, to] of pairs) if (name.startsWith(from + '/')) return to + name.slice(from.length);
    return name;
  };
}

/** Puts a snapshot back into a freshly built optimizer of the same class for `model`. Does not take ownership. */
export async function restoreOptimizer(optimizer: tf.Optimizer, snap: OptimizerSnapshot, model: tf.LayersModel): Promise<void> {
  if (optimizer.getClassName() !== snap.className) {
    throw new Error(`checkpoint optimizer is ${snap.className}, the config builds ${optimizer.getClassName()}`);
  }
  const rename = renamer(snap.variables, trainableNames(model));
  const slots = snap.tensors
    .filter((t) => !t.name.startsWith(EXTRA))
    .map((t, i) => ({ name: i === 0 ? t.name : rename(t.name), tensor: t.tensor.clone() }));
  // tfjs's setWeights makes variables from the given tensors (a variable takes its own reference
  // to the data), kerats' copies them: either way the clones can go.
  await optimizer.setWeights(slots);
  tf.dispose(slots.map((s) => s.tensor));
  const extras = new Map(extraVariables(optimizer));
  for (const t of snap.tensors) {
    if (!t.name.startsWith(EXTRA)) continue;
    extras.get(t.name.slice(EXTRA.length))?.assign(t.tensor);
  }
  if (snap.learningRate !== undefined && !hasSchedule(optimizer)) setLearningRate(optimizer, snap.learningRate);
}

export function disposeSnapshot(snap: OptimizerSnapshot): void {
  tf.dispose(snap.tensors.map((t) => t.tensor));
}
