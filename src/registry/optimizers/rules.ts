/**
 * Keras 3's update rules (keras/src/optimizers/*.py, `update_step`), one class per optimizer.
 * `t` is Keras's `local_step = iterations + 1`. Each comment gives the rule it implements.
 */
import * as tf from '@tensorflow/tfjs';
import { KerasOptimizer, type BaseOptions, type SlotSpec } from './base.js';
import { fusedAdamStep } from '../../runtime/wasm-kernels/fused-layers.js';

type Slots = Record<string, tf.Variable>;
const slot = (s: Slots, k: string): tf.Variable => {
  const v = s[k];
  if (!v) throw new Error(`internal: optimizer slot ${k} missing`);
  return v;
};

/** m ← momentum·m − lr·g; w ← w + momentum·m − lr·g (nesterov) or w ← w + m; plain: w ← w − lr·g. */
export class SGD extends KerasOptimizer {
  static className = 'SGD';
  constructor(base: BaseOptions, private readonly o: { momentum: number; nesterov: boolean }) {
    super(base, o);
  }
  protected slots(): SlotSpec[] {
    return this.o.momentum !== 0 ? [{ name: 'momentum' }] : [];
  }
  protected update(w: tf.Variable, g: tf.Tensor, s: Slots, lr: number): void {
    if (this.o.momentum === 0) {
      w.assign(tf.sub(w, tf.mul(g, lr)));
      return;
    }
    const m = slot(s, 'momentum');
    const mNew = tf.sub(tf.mul(m, this.o.momentum), tf.mul(g, lr));
    m.assign(mNew);
    w.assign(this.o.nesterov ? tf.add(w, tf.sub(tf.mul(mNew, this.o.momentum), tf.mul(g, lr))) : tf.add(w, mNew));
  }
}

/**
 * v ← ρ·v + (1−ρ)·g²; centered: a ← ρ·a + (1−ρ)·g, denom = v − a² + ε, else denom = v + ε;
 * inc = lr·g/√denom; with momentum: m ← momentum·m + inc, w ← w − m; else w ← w − inc.
 */
export class RMSprop extends KerasOptimizer {
  static className = 'RMSprop';
  constructor(base: BaseOptions, private readonly o: { rho: number; momentum: number; epsilon: number; centered: boolean }) {
    super(base, o);
  }
  protected slots(): SlotSpec[] {
    const out: SlotSpec[] = [{ name: 'velocity' }];
    if (this.o.momentum > 0) out.push({ name: 'momentum' });
    if (this.o.centered) out.push({ name: 'average_gradient' });
    return out;
  }
  protected update(w: tf.Variable, g: tf.Tensor, s: Slots, lr: number): void {
    const { rho, momentum, epsilon, centered } = this.o;
    const v = slot(s, 'velocity');
    const vNew = tf.add(tf.mul(v, rho), tf.mul(tf.square(g), 1 - rho));
    v.assign(vNew);
    let denom: tf.Tensor;
    if (centered) {
      const a = slot(s, 'average_gradient');
      const aNew = tf.add(tf.mul(a, rho), tf.mul(g, 1 - rho));
      a.assign(aNew);
      denom = tf.add(tf.sub(vNew, tf.square(aNew)), epsilon);
    } else {
      denom = tf.add(vNew, epsilon);
    }
    const inc = tf.div(tf.mul(g, lr), tf.sqrt(denom));
    if (momentum > 0) {
      const m = slot(s, 'momentum');
      const mNew = tf.add(tf.mul(m, momentum), inc);
      m.assign(mNew);
      w.assign(tf.sub(w, mNew));
    } else {
      w.assign(tf.sub(w, inc));
    }
  }
}

export interface AdamArgs {
  beta1: number;
  beta2: number;
  epsilon: number;
  amsgrad: boolean;
}

/**
 * α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ); m ← m + (g−m)(1−β₁); v ← v + (g²−v)(1−β₂);
 * amsgrad: v̂ ← max(v̂, v), used instead of v; w ← w − α·m/(√v + ε).
 * AdamW is this rule with the base class's decoupled weight decay (Keras 3's AdamW is Adam with
 * `weight_decay` defaulting to 0.004).
 */
export class Adam extends KerasOptimizer {
  static className = 'Adam';
  constructor(base: BaseOptions, protected readonly o: AdamArgs) {
    super(base, o);
  }
  protected slots(): SlotSpec[] {
    const out: SlotSpec[] = [{ name: 'momentum' }, { name: 'velocity' }];
    if (this.o.amsgrad) out.push({ name: 'velocity_hat' });
    return out;
  }
  protected update(w: tf.Variable, g: tf.Tensor, s: Slots, lr: number, t: number): void {
    const { beta1, beta2, epsilon, amsgrad } = this.o;
    const alpha = (lr * Math.sqrt(1 - Math.pow(beta2, t))) / (1 - Math.pow(beta1, t));
    const m = slot(s, 'momentum');
    const v = slot(s, 'velocity');
    // On wasm the same arithmetic runs as one kernel instead of 12 passes over the weights.
    if (!amsgrad && fusedAdamStep(w, g, m, v, alpha, beta1, beta2, epsilon)) return;
    const mNew = tf.add(m, tf.mul(tf.sub(g, m), 1 - beta1));
    let vNew = tf.add(v, tf.mul(tf.sub(tf.square(g), v), 1 - beta2));
    m.assign(mNew);
    v.assign(vNew);
    if (amsgrad) {
      const vh = slot(s, 'velocity_hat');
      vNew = tf.maximum(vh, vNew);
      vh.assign(vNew);
    }
    w.assign(tf.sub(w, tf.div(tf.mul(mNew, alpha), tf.add(tf.sqrt(vNew), epsilon))));
  }
}

export class AdamW extends Adam {
  static override className = 'AdamW';
}

/** m ← m + (g−m)(1−β₁); u ← max(β₂·u, |g|); w ← w − lr·m/((1−β₁ᵗ)(u + ε)). */
export class Adamax extends KerasOptimizer {
  static className = 'Adamax';
  constructor(base: BaseOptions, private readonly o: { beta1: number; beta2: number; epsilon: number }) {
    super(base, o);
  }
  protected slots(): SlotSpec[] {
    return [{ name: 'm' }, { name: 'u' }];
  }
  protected update(w: tf.Variable, g: tf.Tensor, s: Slots, lr: number, t: number): void {
    const { beta1, beta2, epsilon } = this.o;
    const m = slot(s, 'm');
    const u = slot(s, 'u');
    const mNew = tf.add(m, tf.mul(tf.sub(g, m), 1 - beta1));
    const uNew = tf.maximum(tf.mul(u, beta2), tf.abs(g));
    m.assign(mNew);
    u.assign(uNew);
    w.assign(tf.sub(w, tf.div(tf.mul(mNew, lr), tf.mul(tf.add(uNew, epsilon), 1 - Math.pow(beta1, t)))));
  }
}

/** acc ← acc + g² (acc starts at initial_accumulator_value); w ← w − lr·g/√(acc + ε). */
export class Adagrad extends KerasOptimizer {
  static className = 'Adagrad';
  constructor(base: BaseOptions, private readonly o: { initialAccumulatorValue: number; epsilon: number }) {
    super(base, o);
  }
  protected slots(): SlotSpec[] {
    return [{ name: 'accumulator', init: this.o.initialAccumulatorValue }];
  }
  protected update(w: tf.Variable, g: tf.Tensor, s: Slots, lr: number): void {
    const acc = slot(s, 'accumulator');
    const accNew = tf.add(acc, tf.square(g));
    acc.assign(accNew);
    w.assign(tf.sub(w, tf.div(tf.mul(g, lr), tf.sqrt(tf.add(accNew, this.o.epsilon)))));
  }
}

/**
 * E[g²] ← ρ·E[g²] + (1−ρ)g²; Δ = −√(E[Δ²]+ε)/√(E[g²]+ε)·g; E[Δ²] ← ρ·E[Δ²] + (1−ρ)Δ²; w ← w + lr·Δ.
 */
export class Adadelta extends KerasOptimizer {
  static className = 'Adadelta';
  constructor(base: BaseOptions, private readonly o: { rho: number; epsilon: number }) {
    super(base, o);
  }
  protected slots(): SlotSpec[] {
    return [{ name: 'accumulated_grad' }, { name: 'accumulated_delta_var' }];
  }
  protected update(w: tf.Variable, g: tf.Tensor, s: Slots, lr: number): void {
    const { rho, epsilon } = this.o;
    const ag = slot(s, 'accumulated_grad');
    const ad = slot(s, 'accumulated_delta_var');
    const agNew = tf.add(tf.mul(ag, rho), tf.mul(tf.square(g), 1 - rho));
    ag.assign(agNew);
    const delta = tf.neg(tf.div(tf.mul(tf.sqrt(tf.add(ad, epsilon)), g), tf.sqrt(tf.add(agNew, epsilon))));
    ad.assign(tf.add(tf.mul(ad, rho), tf.mul(tf.square(delta), 1 - rho)));
    w.assign(tf.add(w, tf.mul(delta, lr)));
  }
}

/**
 * Keras 3's Nadam: per step the momentum-cache product P ← P·μₜ with μₜ = β₁(1 − ½·0.96ᵗ);
 * m ← m + (g−m)(1−β₁); v ← v + (g²−v)(1−β₂);
 * m̂ = μₜ₊₁·m/(1 − P·μₜ₊₁) + (1−μₜ)·g/(1 − P); v̂ = v/(1−β₂ᵗ); w ← w − lr·m̂/(√v̂ + ε).
 */
export class Nadam extends KerasOptimizer {
  static className = 'Nadam';
  constructor(base: BaseOptions, private readonly o: { beta1: number; beta2: number; epsilon: number }) {
    super(base, o);
  }
  private mu(t: number): number {
    return this.o.beta1 * (1 - 0.5 * Math.pow(0.96, t));
  }
  protected override beforeStep(t: number): void {
    this.scalars.set('u_product', (this.scalars.get('u_product') ?? 1) * this.mu(t));
  }
  protected slots(): SlotSpec[] {
    return [{ name: 'momentum' }, { name: 'velocity' }];
  }
  protected update(w: tf.Variable, g: tf.Tensor, s: Slots, lr: number, t: number): void {
    const { beta1, beta2, epsilon } = this.o;
    const uT = this.mu(t);
    const uT1 = this.mu(t + 1);
    const p = this.scalars.get('u_product') ?? 1;
    const p1 = p * uT1;
    const m = slot(s, 'momentum');
    const v = slot(s, 'velocity');
    const mNew = tf.add(m, tf.mul(tf.sub(g, m), 1 - beta1));
    const vNew = tf.add(v, tf.mul(tf.sub(tf.square(g), v), 1 - beta2));
    m.assign(mNew);
    v.assign(vNew);
    const mHat = tf.add(tf.mul(mNew, uT1 / (1 - p1)), tf.mul(g, (1 - uT) / (1 - p)));
    const vHat = tf.div(vNew, 1 - Math.pow(beta2, t));
    w.assign(tf.sub(w, tf.div(tf.mul(mHat, lr), tf.add(tf.sqrt(vHat), epsilon))));
  }
}
