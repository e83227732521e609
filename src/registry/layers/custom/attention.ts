/**
 * Keras's Attention (Luong-style dot-product) and AdditiveAttention (Bahdanau-style) layers.
 * Both take [query, value] or [query, value, key] of shapes (batch, Tq, dim) / (batch, Tv, dim)
 * and return (batch, Tq, dim_value): softmax(scores(query, key)) @ value.
 * Weights as in Keras: Attention has a scalar `scale` when use_scale and a scalar
 * `concat_score_weight` when score_mode="concat"; AdditiveAttention a `scale` of shape (dim,)
 * when use_scale (its default).
 */
import * as tf from '@tensorflow/tfjs';
import { seededDropoutFunc } from '../seeded-noise.js';
import { fusedAttentionContext, fusedAttentionUnavailable } from '../../../runtime/wasm-kernels/fused-attention-op.js';
import { recordPath } from '../../../runtime/profile/kernel-path.js';
import { maybeDropout, register, shapeList, tensorList, type ConfigDict, type DropoutFn, type Kwargs, type Shape } from './util.js';

interface BaseArgs {
  useScale?: boolean;
  dropout?: number;
  seed?: number | null;
  name?: string;
  trainable?: boolean;
  dtype?: tf.DataType;
}

abstract class BaseDenseAttention extends tf.layers.Layer {
  readonly useScale: boolean;
  readonly rate: number;
  readonly seed: number | null;
  private readonly dropFn: DropoutFn | undefined;

  constructor(args: BaseArgs, defaultScale: boolean) {
    super(args as ConstructorParameters<typeof tf.layers.Layer>[0]);
    this.useScale = args.useScale ?? defaultScale;
    this.rate = args.dropout ?? 0;
    this.seed = args.seed ?? null;
    this.dropFn = seededDropoutFunc(this.seed ?? undefined);
  }

  protected checkShapes(inputShape: Shape | Shape[]): Shape[] {
    const l = shapeList(inputShape);
    if (!Array.isArray(inputShape[0]) || l.length < 2 || l.length > 3) {
      throw new Error(`${this.getClassName()} must be called on a list [query, value] or [query, value, key], got ${l.length} input${l.length === 1 ? '' : 's'}`);
    }
    return l;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const l = this.checkShapes(inputShape);
    const q = l[0] as Shape;
    const v = l[1] as Shape;
    return [...q.slice(0, -1), v[v.length - 1] ?? null];
  }

  /** (B, Tq, Tv) scores. */
  protected abstract scores(q: tf.Tensor, k: tf.Tensor): tf.Tensor;

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const l = tensorList(inputs);
      const q = l[0] as tf.Tensor;
      const v = l[1] as tf.Tensor;
      const k = l[2] ?? v;
      const why = this.fusedUnavailable(kwargs);
      if (why !== null) recordPath(this.name, why ? 'generic' : 'fused', why);
      if (why === undefined) return this.callFused(q, k, v);
      const weights = tf.softmax(this.scores(q, k));
      return tf.matMul(maybeDropout(weights, this.rate, kwargs, this.dropFn), v);
    });
  }

  /**
   * Why this call cannot take the fused kernel (fused-attention-op.ts), undefined when it can, null
   * when the layer never can (nothing to record).
   */
  protected fusedUnavailable(kwargs: Kwargs): string | undefined | null {
    if (!this.fusable()) return null;
    // The fused kernel has no dropout: seeded dropout masks stay on the generic path.
    if (this.rate > 0 && kwargs.training === true) return 'attention dropout in training';
    return fusedAttentionUnavailable();
  }

  /** Whether the scores are a plain dot product the fused kernel computes (no learnt scale). */
  protected fusable(): boolean {
    return false;
  }

  /** softmax(q kᵀ) v as one head of the fused kernel: (B, T, D) is (B, T, 1, D). */
  private callFused(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): tf.Tensor {
    const head = (t: tf.Tensor): tf.Tensor => tf.reshape(t, [t.shape[0] as number, t.shape[1] as number, 1, t.shape[2] as number]);
    const ctx = fusedAttentionContext({ q: head(q), k: head(k), v: head(v), causal: false, scale: 1 });
    return tf.reshape(ctx, [q.shape[0] as number, q.shape[1] as number, v.shape[2] as number]);
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), useScale: this.useScale, dropout: this.rate, seed: this.seed };
  }
}

export interface AttentionArgs extends BaseArgs {
  scoreMode?: 'dot' | 'concat';
}

export class Attention extends BaseDenseAttention {
  static className = 'Attention';
  readonly scoreMode: 'dot' | 'concat';
  private scale: tf.LayerVariable | null = null;
  private concatWeight: tf.LayerVariable | null = null;

  constructor(args: AttentionArgs = {}) {
    super(args, false);
    this.scoreMode = args.scoreMode ?? 'dot';
    if (this.scoreMode !== 'dot' && this.scoreMode !== 'concat') throw new Error(`score_mode must be "dot" or "concat", got "${String(this.scoreMode)}"`);
  }

  override build(inputShape: Shape | Shape[]): void {
    this.checkShapes(inputShape);
    if (this.useScale) this.scale = this.addWeight('scale', [], 'float32', tf.initializers.ones(), undefined, true);
    if (this.scoreMode === 'concat') this.concatWeight = this.addWeight('concat_score_weight', [], 'float32', tf.initializers.ones(), undefined, true);
    this.built = true;
  }

  protected override fusable(): boolean {
    return this.scoreMode === 'dot' && !this.scale;
  }

  protected scores(q: tf.Tensor, k: tf.Tensor): tf.Tensor {
    if (this.scoreMode === 'dot') {
      const s = tf.matMul(q, k, false, true);
      return this.scale ? tf.mul(s, this.scale.read()) : s;
    }
    // Keras: concat_score_weight * sum(tanh(scale * (q[:, :, None] + k[:, None])), -1)
    let sum = tf.add(tf.expandDims(q, 2), tf.expandDims(k, 1));
    if (this.scale) sum = tf.mul(sum, this.scale.read());
    return tf.mul(tf.sum(tf.tanh(sum), -1), (this.concatWeight as tf.LayerVariable).read());
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), scoreMode: this.scoreMode };
  }
}

export class AdditiveAttention extends BaseDenseAttention {
  static className = 'AdditiveAttention';
  private scale: tf.LayerVariable | null = null;

  constructor(args: BaseArgs = {}) {
    super(args, true);
  }

  override build(inputShape: Shape | Shape[]): void {
    const l = this.checkShapes(inputShape);
    const q = l[0] as Shape;
    const dim = q[q.length - 1];
    if (this.useScale) {
      if (typeof dim !== 'number') throw new Error('AdditiveAttention needs a known feature dimension');
      this.scale = this.addWeight('scale', [dim], 'float32', tf.initializers.glorotUniform({}), undefined, true);
    }
    this.built = true;
  }

  protected scores(q: tf.Tensor, k: tf.Tensor): tf.Tensor {
    const t = tf.tanh(tf.add(tf.expandDims(q, 2), tf.expandDims(k, 1)));
    return tf.sum(this.scale ? tf.mul(t, this.scale.read()) : t, -1);
  }
}

register(Attention);
register(AdditiveAttention);
