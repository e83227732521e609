/**
 * Keras's MultiHeadAttention for tfjs (which lacks it). Weights have Keras's shapes, so parameter
 * counts match Keras: per projection p in {query, key, value} a kernel (dim_p, num_heads, key_dim
 * or value_dim) and a bias (num_heads, key_dim|value_dim); the output projection a kernel
 * (num_heads, value_dim, output_dim) and a bias (output_dim). Called on a single tensor
 * (self-attention), on [query, value], or on [query, value, key]. Inputs are (batch, seq, features);
 * attention is over the sequence axis, Keras's default `attention_axes` for rank-3 inputs.
 *
 * Keras's call arguments, as layer settings: with `attentionMaskInput` the last input is Keras's
 * `attention_mask` (B, T, S): 1 attends, 0 is masked (its score gets -1e9 before the softmax);
 * `useCausalMask` masks every key after the query's position (a lower-triangular (T, S) mask,
 * combined with attention_mask by AND); `returnAttentionScores` adds a second output, the
 * softmax weights (B, num_heads, T, S) before dropout, as Keras returns them.
 */
import * as tf from '@tensorflow/tfjs';
import { seededDropoutFunc } from '../seeded-noise.js';
import { fusedAttention, fusedAttentionContext, fusedAttentionUnavailable, fusedSelfAttentionContext } from '../../../runtime/wasm-kernels/fused-attention-op.js';
import { recordPath } from '../../../runtime/profile/kernel-path.js';
import { deserializeInit, maybeDropout, register, serializeInit, shapeList, tensorList, type ConfigDict, type Initializer, type DropoutFn, type Kwargs, type Shape } from './util.js';

export interface MultiHeadAttentionArgs {
  numHeads: number;
  keyDim: number;
  valueDim?: number | null;
  dropout?: number;
  /** Seed of the attention dropout masks (Keras 3's `seed`). */
  seed?: number | null;
  useBias?: boolean;
  outputShape?: number | number[] | null;
  attentionAxes?: number | number[] | null;
  /** The last input is an attention mask (Keras's `attention_mask` call argument). */
  attentionMaskInput?: boolean;
  useCausalMask?: boolean;
  returnAttentionScores?: boolean;
  kernelInitializer?: Initializer | ConfigDict;
  biasInitializer?: Initializer | ConfigDict;
  name?: string;
  trainable?: boolean;
  inputShape?: Shape;
  batchInputShape?: Shape;
  batchSize?: number;
  dtype?: tf.DataType;
}

type Var = tf.LayerVariable;

export class MultiHeadAttention extends tf.layers.Layer {
  static className = 'MultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly rate: number;
  readonly useBias: boolean;
  readonly outDim: number | null;
  readonly attentionAxes: number[] | null;
  readonly attentionMaskInput: boolean;
  readonly useCausalMask: boolean;
  readonly returnAttentionScores: boolean;
  readonly kernelInit: Initializer;
  readonly biasInit: Initializer;
  private w: Record<string, Var | null> = {};
  readonly seed: number | null;
  private readonly dropFn: DropoutFn | undefined;

  constructor(args: MultiHeadAttentionArgs) {
    super(args as ConstructorParameters<typeof tf.layers.Layer>[0]);
    this.numHeads = args.numHeads;
    this.keyDim = args.keyDim;
    this.valueDim = args.valueDim ?? args.keyDim;
    this.rate = args.dropout ?? 0;
    this.seed = args.seed ?? null;
    this.dropFn = seededDropoutFunc(this.seed ?? undefined);
    this.useBias = args.useBias ?? true;
    const os = args.outputShape;
    this.outDim = os === undefined || os === null ? null : Array.isArray(os) ? (os[os.length - 1] ?? null) : os;
    const ax = args.attentionAxes;
    this.attentionAxes = ax === undefined || ax === null ? null : Array.isArray(ax) ? ax : [ax];
    this.attentionMaskInput = args.attentionMaskInput ?? false;
    this.useCausalMask = args.useCausalMask ?? false;
    this.returnAttentionScores = args.returnAttentionScores ?? false;
    this.kernelInit = deserializeInit(args.kernelInitializer, () => tf.initializers.glorotUniform({}));
    this.biasInit = deserializeInit(args.biasInitializer, () => tf.initializers.zeros());
    this.supportsMasking = false;
  }

  /** [query, value, key] shapes; key defaults to value, value to query (the mask, last, left out). */
  private qvk(inputShape: Shape | Shape[]): [Shape, Shape, Shape] {
    const l = [...shapeList(inputShape)];
    if (this.attentionMaskInput) l.pop();
    const q = l[0] as Shape;
    const v = l[1] ?? q;
    return [q, v, l[2] ?? v];
  }

  override build(inputShape: Shape | Shape[]): void {
    const l = shapeList(inputShape);
    if (this.attentionMaskInput && (!Array.isArray(inputShape[0]) || l.length < 2 || l.length > 4)) {
      throw new Error(`MultiHeadAttention with an attention_mask takes [query, value, (key,)] plus the mask, got ${l.length} input${l.length === 1 ? '' : 's'}; call it on [query, value] (or one input for self-attention: [x, x])`);
    }
    const [q, v, k] = this.qvk(inputShape);
    for (const s of [q, v, k]) {
      if (s.length !== 3) throw new Error(`MultiHeadAttention expects inputs of rank 3 (batch, sequence, features), got rank ${s.length}`);
    }
    if (this.attentionMaskInput) checkMaskShape(l[l.length - 1] as Shape, q[1] ?? null, v[1] ?? null);
    if (this.attentionAxes && !(this.attentionAxes.length === 1 && (this.attentionAxes[0] === 1 || this.attentionAxes[0] === -2))) {
      throw new Error(`MultiHeadAttention supports attention over the sequence axis only (attention_axes [1] or null), got [${this.attentionAxes.join(', ')}]`);
    }
    const dq = q[2] as number;
    const dk = k[2] as number;
    const dv = v[2] as number;
    const H = this.numHeads;
    const add = (name: string, shape: number[], init: Initializer): Var => this.addWeight(name, shape, 'float32', init, undefined, true);
    this.w.qk = add('query/kernel', [dq, H, this.keyDim], this.kernelInit);
    this.w.qb = this.useBias ? add('query/bias', [H, this.keyDim], this.biasInit) : null;
    this.w.kk = add('key/kernel', [dk, H, this.keyDim], this.kernelInit);
    this.w.kb = this.useBias ? add('key/bias', [H, this.keyDim], this.biasInit) : null;
    this.w.vk = add('value/kernel', [dv, H, this.valueDim], this.kernelInit);
    this.w.vb = this.useBias ? add('value/bias', [H, this.valueDim], this.biasInit) : null;
    const out = this.outDim ?? dq;
    this.w.ok = add('attention_output/kernel', [H, this.valueDim, out], this.kernelInit);
    this.w.ob = this.useBias ? add('attention_output/bias', [out], this.biasInit) : null;
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const [q, v] = this.qvk(inputShape);
    const out = [...q.slice(0, -1), this.outDim ?? q[q.length - 1] ?? null];
    return this.returnAttentionScores ? [out, [q[0] ?? null, this.numHeads, q[1] ?? null, v[1] ?? null]] : out;
  }

  override computeMask(): tf.Tensor | tf.Tensor[] {
    // No mask is propagated; two outputs need one (absent) mask each.
    return (this.returnAttentionScores ? [null, null] : null) as unknown as tf.Tensor[];
  }

  /** 1 where a query position may attend a key position, (1 or B, 1, T, S); null when nothing is masked. */
  private allowed(mask: tf.Tensor | undefined, T: number, S: number): tf.Tensor | null {
    let m: tf.Tensor | null = mask ? tf.cast(tf.notEqual(mask, 0), 'float32') : null;
    if (this.useCausalMask) {
      // Keras's causal mask: position i attends j <= i (band_part(ones(T, S), -1, 0)).
      const causal = tf.linalg.bandPart(tf.ones([T, S]), -1, 0);
      m = m ? tf.mul(m, causal) : tf.reshape(causal, [1, T, S]);
    }
    return m ? tf.expandDims(m, 1) : null;
  }

  /** (B, T, D) → (B, H, T, d) through a (D, H, d) kernel. */
  private project(x: tf.Tensor, kernel: Var, bias: Var | null, d: number): tf.Tensor {
    const [B, T, D] = x.shape as [number, number, number];
    let y = tf.matMul(tf.reshape(x, [B * T, D]), tf.reshape(kernel.read(), [D, this.numHeads * d]));
    if (bias) y = tf.add(y, tf.reshape(bias.read(), [this.numHeads * d]));
    return tf.transpose(tf.reshape(y, [B, T, this.numHeads, d]), [0, 2, 1, 3]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const l = [...tensorList(inputs)];
      const mask = this.attentionMaskInput ? l.pop() : undefined;
      const query = l[0] as tf.Tensor;
      const value = l[1] ?? query;
      const key = l[2] ?? value;
      const w = this.w as Record<string, Var>;
      const why = this.fusedUnavailable(kwargs);
      recordPath(this.name, why ? 'generic' : 'fused', why);
      if (!why) return this.callFused(query, key, value, mask);
      const q = tf.mul(this.project(query, w.qk as Var, this.w.qb ?? null, this.keyDim), 1 / Math.sqrt(this.keyDim));
      const k = this.project(key, w.kk as Var, this.w.kb ?? null, this.keyDim);
      const v = this.project(value, w.vk as Var, this.w.vb ?? null, this.valueDim);
      let logits = tf.matMul(q, k, false, true);
      const allowed = this.allowed(mask, logits.shape[2] as number, logits.shape[3] as number);
      // Keras's masked softmax: masked scores get a large negative number added (-1e9 in float32).
      if (allowed) logits = tf.add(logits, tf.mul(tf.sub(1, allowed), -1e9));
      const scores = tf.softmax(logits);
      const ctx = tf.matMul(maybeDropout(scores, this.rate, kwargs, this.dropFn), v);
      const [B, Tq] = query.shape as [number, number];
      const merged = tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [B * Tq, this.numHeads * this.valueDim]);
      const okv = (w.ok as Var).read();
      const out = okv.shape[2] as number;
      let y = tf.matMul(merged, tf.reshape(okv, [this.numHeads * this.valueDim, out]));
      if (this.w.ob) y = tf.add(y, this.w.ob.read());
      const output = tf.reshape(y, [B, Tq, out]);
      return this.returnAttentionScores ? [output, scores] : output;
    });
  }

  /** Why this call cannot take the fused kernel (fused-attention-op.ts), or undefined when it can. */
  private fusedUnavailable(kwargs: Kwargs): string | undefined {
    // The fused kernel has no dropout: seeded dropout masks stay on the generic path.
    if (this.rate > 0 && kwargs.training === true) return 'attention dropout in training';
    return fusedAttentionUnavailable();
  }

  /** (B, T, D) → (B, T, H, d) through a (D, H, d) kernel: one GEMM with the bias, no transpose. */
  private projectFused(x: tf.Tensor, kernel: Var, bias: Var | null, d: number): tf.Tensor {
    const [B, T, D] = x.shape as [number, number, number];
    const y = tf.fused.matMul({
      a: tf.reshape(x, [B * T, D]),
      b: tf.reshape(kernel.read(), [D, this.numHeads * d]),
      ...(bias ? { bias: tf.reshape(bias.read(), [this.numHeads * d]) } : {}),
    });
    return tf.reshape(y, [B, T, this.numHeads, d]);
  }

  /** Self-attention: x (B, T, D) through the query, key and value kernels side by side, (B, T, H·(2dk + dv)). */
  private projectPacked(x: tf.Tensor): tf.Tensor {
    const [B, T, D] = x.shape as [number, number, number];
    const H = this.numHeads;
    const w = this.w as Record<string, Var>;
    const flat = (v: Var, d: number): tf.Tensor => tf.reshape(v.read(), [D, H * d]);
    const kernel = tf.concat([flat(w.qk as Var, this.keyDim), flat(w.kk as Var, this.keyDim), flat(w.vk as Var, this.valueDim)], 1);
    const biases = [this.w.qb, this.w.kb, this.w.vb];
    const bias = biases.every((b): b is Var => b !== null && b !== undefined) ? tf.concat(biases.map((b) => tf.reshape(b.read(), [-1])), 0) : undefined;
    const y = tf.fused.matMul({ a: tf.reshape(x, [B * T, D]), b: kernel, ...(bias ? { bias } : {}) });
    return tf.reshape(y, [B, T, H * (2 * this.keyDim + this.valueDim)]);
  }

  /** The same computation as `call`'s generic path with scores, mask, softmax and context in one native kernel. */
  private callFused(query: tf.Tensor, key: tf.Tensor, value: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor | tf.Tensor[] {
    const w = this.w as Record<string, Var>;
    const [B, T] = query.shape as [number, number];
    const S = key.shape[1] as number;
    // Keras's attention_mask is (B, T, S), each of T and S possibly 1: the kernel takes it whole.
    const allowed = mask ? tf.broadcastTo(tf.cast(tf.notEqual(mask, 0), 'float32'), [mask.shape[0] ?? 1, T, S]) : undefined;
    const common = { ...(allowed ? { mask: allowed } : {}), causal: this.useCausalMask, scale: 1 / Math.sqrt(this.keyDim) };
    let ctx: tf.Tensor;
    let scores: tf.Tensor | undefined;
    if (query === key && key === value && !this.returnAttentionScores) {
      ctx = fusedSelfAttentionContext({ qkv: this.projectPacked(query), heads: this.numHeads, keyDim: this.keyDim, valueDim: this.valueDim, ...common });
    } else {
      const q = this.projectFused(query, w.qk as Var, this.w.qb ?? null, this.keyDim);
      const k = this.projectFused(key, w.kk as Var, this.w.kb ?? null, this.keyDim);
      const v = this.projectFused(value, w.vk as Var, this.w.vb ?? null, this.valueDim);
      const args = { q, k, v, ...common };
      [ctx, scores] = this.returnAttentionScores ? fusedAttention(args) : [fusedAttentionContext(args), undefined];
    }
    const okv = (w.ok as Var).read();
    const out = okv.shape[2] as number;
    const y = tf.fused.matMul({
      a: tf.reshape(ctx, [B * T, this.numHeads * this.valueDim]),
      b: tf.reshape(okv, [this.numHeads * this.valueDim, out]),
      ...(this.w.ob ? { bias: this.w.ob.read() } : {}),
    });
    const output = tf.reshape(y, [B, T, out]);
    return scores ? [output, scores] : output;
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.rate,
      seed: this.seed,
      useBias: this.useBias,
      outputShape: this.outDim,
      attentionAxes: this.attentionAxes,
      // Keras takes these at call time, not in its config: written only when set, so a plain
      // MultiHeadAttention's config stays Keras's (kerats export).
      ...(this.attentionMaskInput ? { attentionMaskInput: true } : {}),
      ...(this.useCausalMask ? { useCausalMask: true } : {}),
      ...(this.returnAttentionScores ? { returnAttentionScores: true } : {}),
      kernelInitializer: serializeInit(this.kernelInit),
      biasInitializer: serializeInit(this.biasInit),
    };
  }
}
/** The mask must be (batch, T, S), each of T and S possibly 1 (broadcast). */
function checkMaskShape(m: Shape, T: number | null, S: number | null): void {
  const fits = (d: number | null | undefined, want: number | null): boolean => d === null || d === undefined || d === 1 || want === null || d === want;
  if (m.length !== 3 || !fits(m[1], T) || !fits(m[2], S)) {
    const f = (s: (number | null | undefined)[]): string => `(${s.map((d) => (d === null || d === undefined ? 'None' : d)).join(', ')})`;
    throw new Error(`MultiHeadAttention's attention_mask must have shape (batch, ${T ?? 'None'}, ${S ?? 'None'}) = (batch, query length, key length), got ${f(m)}`);
  }
}

register(MultiHeadAttention);
