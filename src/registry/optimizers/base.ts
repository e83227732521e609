/**
 * The base of kerats' optimizers, following Keras 3's `BaseOptimizer.apply`
 * (keras/src/optimizers/base_optimizer.py): per step, clip the gradients (`clipnorm` per
 * tensor, else `global_clipnorm`, else `clipvalue`), apply decoupled weight decay
 * (`w ← w − w·weight_decay·lr`), run the optimizer's own update rule with the learning rate
 * of this step (a schedule is evaluated at the iteration count before the step), then count
 * the iteration.
 *
 * Slot variables (moments, accumulators) are kept per model variable name, so `getWeights` /
 * `setWeights` can save and restore the whole optimizer state (checkpoints, resume). The layout
 * is tfjs's: the iteration count first, then `<variable name>/<slot>` tensors.
 */
import * as tf from '@tensorflow/tfjs';

/** A named tensor as tfjs's optimizers save their state (tfjs does not re-export the type). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}
import { ConfigError } from '../../util/errors.js';
import type { Schedule } from '../schedules.js';

export interface BaseOptions {
  /** A constant rate, or a schedule evaluated at the iteration count. */
  learningRate: number | Schedule;
  weightDecay?: number;
  clipnorm?: number;
  clipvalue?: number;
  globalClipnorm?: number;
}

/** One slot per model variable: its name and how to initialise it. */
export interface SlotSpec {
  name: string;
  init?: number;
}

export abstract class KerasOptimizer extends tf.Optimizer {
  private lrValue: number;
  private readonly schedule: Schedule | undefined;
  private readonly slotVars = new Map<string, tf.Variable>();
  /** Extra scalars the rule keeps across steps (Nadam's momentum-cache product), saved with the slots. */
  protected readonly scalars = new Map<string, number>();

  /** @param rule The rule's own arguments (beta1, rho, ...), reported by getConfig. */
  constructor(protected readonly base: BaseOptions, private readonly rule: object = {}) {
    super();
    const set = [base.clipnorm, base.clipvalue, base.globalClipnorm].filter((v) => v !== undefined).length;
    if (set > 1) {
      throw new ConfigError('only one of "clipnorm", "clipvalue" and "global_clipnorm" can be set (Keras refuses more than one); keep one');
    }
    this.schedule = typeof base.learningRate === 'function' ? base.learningRate : undefined;
    this.lrValue = typeof base.learningRate === 'number' ? base.learningRate : 0;
  }

  /** The slots this optimizer keeps for every model variable. */
  protected abstract slots(): SlotSpec[];

  /**
   * Updates `variable` from its (clipped) gradient. `s` holds the variable's slots by name;
   * `t` is the 1-based step (Keras's `iterations + 1`). Runs inside a tidy scope.
   */
  protected abstract update(variable: tf.Variable, g: tf.Tensor, s: Record<string, tf.Variable>, lr: number, t: number): void;

  /** Called once per step before the per-variable updates (Nadam advances its product here). */
  protected beforeStep(_t: number): void {}

  /** The rate the next step uses: the schedule at the current iteration count, or the constant. */
  get learningRate(): number {
    return this.schedule ? this.schedule(this.iterations) : this.lrValue;
  }

  set learningRate(lr: number) {
    if (this.schedule) {
      throw new ConfigError(
        `${this.getClassName()}: the learning rate follows a schedule and cannot be changed by a callback ` +
          '(Keras raises the same error); use a constant learning_rate with ReduceLROnPlateau / LearningRateScheduler',
      );
    }
    this.lrValue = lr;
  }

  get hasSchedule(): boolean {
    return this.schedule !== undefined;
  }

  private slotFor(varName: string, slot: SlotSpec, like: tf.Tensor): tf.Variable {
    const key = `${varName}/${slot.name}`;
    let v = this.slotVars.get(key);
    if (!v) {
      v = tf.tidy(() => tf.variable(slot.init ? tf.fill(like.shape, slot.init) : tf.zerosLike(like), false));
      this.slotVars.set(key, v);
    }
    return v;
  }

  private clip(grads: tf.Tensor[]): tf.Tensor[] {
    const { clipnorm, clipvalue, globalClipnorm } = this.base;
    if (clipnorm !== undefined && clipnorm > 0) {
      return grads.map((g) => tf.div(tf.mul(g, clipnorm), tf.maximum(tf.norm(g), clipnorm)));
    }
    if (globalClipnorm !== undefined && globalClipnorm > 0) {
      const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
      const scale = tf.div(globalClipnorm, tf.maximum(norm, globalClipnorm));
      return grads.map((g) => tf.mul(g, scale));
    }
    if (clipvalue !== undefined && clipvalue > 0) return grads.map((g) => tf.clipByValue(g, -clipvalue, clipvalue));
    return grads;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const pairs = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor] as const)
      : Object.entries(variableGradients);
    const named = pairs.filter((p): p is readonly [string, tf.Tensor] => p[1] != null);
    if (named.length === 0) return;
    const lr = this.learningRate;
    const t = this.iterations + 1;
    this.beforeStep(t);
    tf.tidy(() => {
      const grads = this.clip(named.map(([, g]) => g));
      named.forEach(([name, _g], i) => {
        const variable = tf.engine().registeredVariables[name];
        const g = grads[i];
        if (!variable || !g) return;
        const wd = this.base.weightDecay;
        if (wd !== undefined && wd > 0) variable.assign(tf.sub(variable, tf.mul(variable, wd * lr)));
        const s: Record<string, tf.Variable> = {};
        for (const spec of this.slots()) s[spec.name] = this.slotFor(name, spec, variable);
        this.update(variable, g, s, lr, t);
      });
    });
    this.incrementIterations();
  }

  override dispose(): void {
    for (const v of this.slotVars.values()) v.dispose();
    this.slotVars.clear();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    for (const [name, v] of this.scalars) out.push({ name: `scalar/${name}`, tensor: tf.scalar(v) });
    for (const [name, v] of this.slotVars) out.push({ name, tensor: v.clone() });
    return out;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    for (const { name, tensor } of rest) {
      if (name.startsWith('scalar/')) {
        this.scalars.set(name.slice('scalar/'.length), (await tensor.data())[0] ?? 0);
        continue;
      }
      const existing = this.slotVars.get(name);
      if (existing) existing.assign(tensor);
      else this.slotVars.set(name, tf.variable(tensor.clone(), false));
    }
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      learning_rate: this.learningRate,
      weight_decay: this.base.weightDecay ?? null,
      clipnorm: this.base.clipnorm ?? null,
      clipvalue: this.base.clipvalue ?? null,
      global_clipnorm: this.base.globalClipnorm ?? null,
      ...(this.rule as tf.serialization.ConfigDict),
    };
  }
}
