/**
 * The wasm kernels of the fused attention op (fused-attention-op.ts) on the native addon's
 * attentionForward / attentionBackward (native/kerats_attention.c): scores, mask, softmax and
 * context for every (batch, head) in one native call per direction, reading the projections in
 * place in the wasm heap. Registered only when the addon has those functions.
 */
import type * as tf from '@tensorflow/tfjs';
import type { NativeBlas } from '../native/blas.js';
import { asWasmBackend, floatOffset, heapBuffer, type WasmBackend } from './wasm-backend.js';
import { FUSED_ATTENTION, FUSED_ATTENTION_GRAD, registerFusedAttentionGradient } from './fused-attention-op.js';

interface Dims {
  B: number;
  T: number;
  S: number;
  H: number;
  dk: number;
  dv: number;
}

/** The sizes from q (B, T, H, dk), k (B, S, H, dk), v (B, S, H, dv); throws on inconsistent shapes (a caller bug). */
function dims(q: tf.TensorInfo, k: tf.TensorInfo, v: tf.TensorInfo): Dims {
  const [B, T, H, dk] = q.shape as [number, number, number, number];
  const [Bk, S, Hk, dkk] = k.shape as [number, number, number, number];
  const [Bv, Sv, Hv, dv] = v.shape as [number, number, number, number];
  const ok = q.shape.length === 4 && k.shape.length === 4 && v.shape.length === 4 && Bk === B && Bv === B && Hk === H && Hv === H && dkk === dk && Sv === S;
  if (!ok || [q, k, v].some((t) => t.dtype !== 'float32')) {
    throw new Error(`fused attention: bad shapes q [${q.shape.join(', ')}], k [${k.shape.join(', ')}], v [${v.shape.join(', ')}]`);
  }
  return { B, T, S, H, dk, dv };
}

type Attention = Required<Pick<NativeBlas, 'attentionForward' | 'attentionBackward'>>;

/** Where q, k and v are: three tensors, or one packed (B, T, H·(2dk + dv)) self-attention projection. */
interface Layout {
  d: Dims;
  q: number;
  k: number;
  v: number;
  /** The packed row width, 0 for separate tensors. */
  width: number;
}

function layout(backend: WasmBackend, inputs: Record<string, tf.TensorInfo | undefined>, attrs: tf.NamedAttrMap | undefined): Layout {
  const { q, k, v, qkv } = inputs;
  if (qkv) {
    const [B, T, width] = qkv.shape as [number, number, number];
    const H = Number(attrs?.['heads']);
    const dk = Number(attrs?.['keyDim']);
    const dv = Number(attrs?.['valueDim']);
    if (qkv.shape.length !== 3 || qkv.dtype !== 'float32' || !(H > 0 && dk > 0 && dv > 0) || width !== H * (2 * dk + dv)) {
      throw new Error(`fused attention: packed q|k|v of shape [${qkv.shape.join(', ')}] does not hold ${H} heads of ${dk}, ${dk}, ${dv}`);
    }
    const base = floatOffset(backend, qkv);
    return { d: { B, T, S: T, H, dk, dv }, q: base, k: base + H * dk, v: base + 2 * H * dk, width };
  }
  const d = dims(q as tf.TensorInfo, k as tf.TensorInfo, v as tf.TensorInfo);
  return { d, q: floatOffset(backend, q as tf.TensorInfo), k: floatOffset(backend, k as tf.TensorInfo), v: floatOffset(backend, v as tf.TensorInfo), width: 0 };
}

export function makeFusedAttention(blas: Attention): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const mask = inputs['mask'];
    const { d, ...at } = layout(backend, inputs, args.attrs);
    const ctx = backend.makeOutput([d.B, d.T, d.H, d.dv], 'float32');
    const probs = backend.makeOutput([d.B, d.H, d.T, d.S], 'float32');
    const causal = Boolean(args.attrs?.['causal']);
    const scale = Number(args.attrs?.['scale'] ?? 1);
    // Offsets are read after the outputs are made: making them can grow (move) the heap, not the offsets.
    blas.attentionForward(
      heapBuffer(backend), at.q, at.k, at.v, mask ? floatOffset(backend, mask) : -1, floatOffset(backend, ctx), floatOffset(backend, probs),
      d.B, d.T, d.S, d.H, d.dk, d.dv, mask ? (mask.shape[0] ?? 1) : 1, causal ? 1 : 0, scale, at.width,
    );
    return [ctx, probs];
  };
}

/** [dq, dk, dv], or [dqkv] for a packed input (same layout as the input). */
export function makeFusedAttentionGrad(blas: Attention): tf.KernelFunc {
  return (args) => {
    const backend = asWasmBackend(args.backend);
    const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const { dctx, dprobs, probs, qkv } = inputs;
    const { d, ...at } = layout(backend, inputs, args.attrs);
    const o = (t: tf.TensorInfo | undefined): number => (t ? floatOffset(backend, t) : -1);
    const scale = Number(args.attrs?.['scale'] ?? 1);
    if (qkv) {
      const dqkv = backend.makeOutput(qkv.shape, 'float32');
      const base = o(dqkv);
      blas.attentionBackward(
        heapBuffer(backend), o(dctx), o(dprobs), at.q, at.k, at.v, o(probs), base, base + d.H * d.dk, base + 2 * d.H * d.dk,
        d.B, d.T, d.S, d.H, d.dk, d.dv, scale, at.width,
      );
      return [dqkv];
    }
    const dq = backend.makeOutput([d.B, d.T, d.H, d.dk], 'float32');
    const dk = backend.makeOutput([d.B, d.S, d.H, d.dk], 'float32');
    const dv = backend.makeOutput([d.B, d.S, d.H, d.dv], 'float32');
    blas.attentionBackward(
      heapBuffer(backend), o(dctx), o(dprobs), at.q, at.k, at.v, o(probs), o(dq), o(dk), o(dv),
      d.B, d.T, d.S, d.H, d.dk, d.dv, scale, 0,
    );
    return [dq, dk, dv];
  };
}

/** Adds the two kernels (and the op's gradient) when the addon has the attention functions. */
export function registerFusedAttentionKernels(blas: NativeBlas, add: (kernelName: string, kernelFunc: tf.KernelFunc) => void): void {
  const { attentionForward, attentionBackward } = blas;
  if (typeof attentionForward !== 'function' || typeof attentionBackward !== 'function') return;
  const fns: Attention = { attentionForward: attentionForward.bind(blas), attentionBackward: attentionBackward.bind(blas) };
  registerFusedAttentionGradient();
  add(FUSED_ATTENTION, makeFusedAttention(fns));
  add(FUSED_ATTENTION_GRAD, makeFusedAttentionGrad(fns));
}
