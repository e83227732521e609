/**
 * The fused scaled dot-product attention op (kernel `KeratsFusedAttention`) and its gradient, for
 * MultiHeadAttention and Attention. The kernel exists only on the wasm backend with the native
 * addon (fused-attention.ts registers it); `fusedAttentionReady()` says whether a call would run
 * it, so the layers take their generic path everywhere else.
 *
 * Layouts are the ones the projections produce, so no transposes are needed around it:
 * q (B, T, H, dk), k (B, S, H, dk), v (B, S, H, dv), optional mask (1 or B, T, S) with 1 = attend;
 * outputs context (B, T, H, dv) and the softmax weights (B, H, T, S) (Keras's attention scores,
 * also what the gradient needs). Masked scores get -1e9 added before the softmax, as Keras does.
 */
import * as tf from '@tensorflow/tfjs';

export const FUSED_ATTENTION = 'KeratsFusedAttention';
export const FUSED_ATTENTION_GRAD = 'KeratsFusedAttentionGrad';

let enabled = process.env['KERATS_FUSED_ATTENTION'] !== '0';

/** Turns the fused path off or on for calls from now on (the benchmark compares both in one process). */
export function setFusedAttentionEnabled(on: boolean): void {
  enabled = on;
}

/** Why the fused kernel would not run on the active backend, or undefined when it would. */
export function fusedAttentionUnavailable(): string | undefined {
  if (!enabled) return 'fused attention turned off';
  if (tf.getBackend() !== 'wasm') return `backend ${tf.getBackend()} (fused attention is wasm + native addon only)`;
  if (!tf.getKernel(FUSED_ATTENTION, 'wasm')) return 'native addon not loaded or built without attention';
  return undefined;
}

export interface FusedAttentionArgs {
  /** (B, T, H, dk), already projected. */
  q: tf.Tensor;
  k: tf.Tensor;
  v: tf.Tensor;
  /** (1 or B, T, S) float32, 1 = attend. */
  mask?: tf.Tensor;
  causal: boolean;
  scale: number;
}

/**
 * [context (B, T, H, dv), weights (B, H, T, S)] through the registered kernel and gradient (the
 * weights are an output, so a loss on them, Keras's return_attention_scores, gets its gradient).
 */
export function fusedAttention(a: FusedAttentionArgs): [tf.Tensor, tf.Tensor] {
  const inputs: tf.NamedTensorMap = { q: a.q, k: a.k, v: a.v };
  if (a.mask) inputs['mask'] = a.mask;
  const out = tf.engine().runKernel(FUSED_ATTENTION, inputs, attrsOf(a)) as tf.Tensor[];
  return [out[0] as tf.Tensor, out[1] as tf.Tensor];
}

function attrsOf(a: FusedAttentionArgs): tf.NamedAttrMap {
  return { causal: a.causal, scale: a.scale, maskShape: a.mask ? a.mask.shape : [] };
}

/**
 * The context alone, as a custom-gradient op that keeps the weights for the backward pass without
 * making them an output: tfjs fills a zero gradient for every output a loss does not use, which for
 * the (B, H, T, S) weights costs an allocation and a copy per step.
 */
export function fusedAttentionContext(a: FusedAttentionArgs): tf.Tensor {
  const attrs = attrsOf(a);
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [q, k, v, mask] = args.slice(0, -1) as tf.Tensor[];
    const inputs: tf.NamedTensorMap = { q: q as tf.Tensor, k: k as tf.Tensor, v: v as tf.Tensor };
    if (mask) inputs['mask'] = mask;
    const [ctx, probs] = tf.engine().runKernel(FUSED_ATTENTION, inputs, attrs) as tf.Tensor[];
    save([q as tf.Tensor, k as tf.Tensor, v as tf.Tensor, probs as tf.Tensor]);
    return {
      value: ctx as tf.Tensor,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sq, sk, sv, sp] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const grads = tf.engine().runKernel(FUSED_ATTENTION_GRAD, { dctx: dy as tf.Tensor, q: sq, k: sk, v: sv, probs: sp }, attrs) as tf.Tensor[];
        return mask ? [...grads, tf.zerosLike(mask)] : grads;
      },
    };
  });
  return a.mask ? run(a.q, a.k, a.v, a.mask) : run(a.q, a.k, a.v);
}

let gradientRegistered = false;

/** Registers the op's gradient (once): the backward kernel gives dq, dk, dv from the saved weights. */
export function registerFusedAttentionGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: FUSED_ATTENTION,
    inputsToSave: ['q', 'k', 'v'],
    outputsToSave: [false, true],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap | undefined) => {
      const [dctx, dprobs] = dy as tf.Tensor[];
      const [q, k, v, probs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const scale = Number(attrs?.['scale'] ?? 1);
      // One backward kernel call gives all three. It runs here, inside the engine's backward
      // scope, so whichever of them tfjs does not ask for (an input off the gradient path) is
      // disposed with that scope.
      const [dq, dk, dv] = tf.engine().runKernel(
        FUSED_ATTENTION_GRAD, { dctx: dctx as tf.Tensor, dprobs: dprobs as tf.Tensor, q, k, v, probs }, { scale },
      ) as tf.Tensor[];
      const maskShape = (attrs?.['maskShape'] as number[] | undefined) ?? [];
      return { q: () => dq as tf.Tensor, k: () => dk as tf.Tensor, v: () => dv as tf.Tensor, mask: () => tf.zeros(maskShape) };
    },
  });
}

export interface PackedAttentionArgs {
  /** (B, T, H·(2·keyDim + valueDim)): each row q | k | v of one self-attention projection. */
  qkv: tf.Tensor;
  heads: number;
  keyDim: number;
  valueDim: number;
  mask?: tf.Tensor;
  causal: boolean;
  scale: number;
}

/**
 * Self-attention's context (B, T, H, dv) from one packed projection: the three projections are
 * one GEMM (and one in each gradient) instead of three, and the gradient is one packed tensor.
 */
export function fusedSelfAttentionContext(a: PackedAttentionArgs): tf.Tensor {
  const attrs: tf.NamedAttrMap = { causal: a.causal, scale: a.scale, heads: a.heads, keyDim: a.keyDim, valueDim: a.valueDim };
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [qkv, mask] = args.slice(0, -1) as tf.Tensor[];
    const inputs: tf.NamedTensorMap = { qkv: qkv as tf.Tensor };
    if (mask) inputs['mask'] = mask;
    const [ctx, probs] = tf.engine().runKernel(FUSED_ATTENTION, inputs, attrs) as tf.Tensor[];
    save([qkv as tf.Tensor, probs as tf.Tensor]);
    return {
      value: ctx as tf.Tensor,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sqkv, sp] = saved as [tf.Tensor, tf.Tensor];
        const [dqkv] = tf.engine().runKernel(FUSED_ATTENTION_GRAD, { dctx: dy as tf.Tensor, qkv: sqkv, probs: sp }, attrs) as tf.Tensor[];
        return mask ? [dqkv as tf.Tensor, tf.zerosLike(mask)] : [dqkv as tf.Tensor];
      },
    };
  });
  return a.mask ? run(a.qkv, a.mask) : run(a.qkv);
}
