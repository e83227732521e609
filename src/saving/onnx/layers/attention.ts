/**
 * Attention layers as MatMul/Softmax subgraphs: Keras's Attention (dot-product), AdditiveAttention
 * and MultiHeadAttention (per-head projections, scaled dot-product, output projection). Dropout is
 * an identity at inference.
 */
import type { MultiHeadAttention } from '../../../registry/layers/custom/multi-head-attention.js';
import { int, type OnnxGraph } from '../graph.js';
import { findWeight, NotExportable, weight, type Converter, type LayerCall } from './types.js';

function qvk(call: LayerCall): [string, string, string] {
  const [q, v, k] = call.inputs;
  if (q === undefined || v === undefined) throw new NotExportable(call, 'it takes [query, value] or [query, value, key]');
  return [q, v, k ?? v];
}

/** softmax(scores) @ value. */
function attend(g: OnnxGraph, scores: string, v: string, name: string): string {
  const w = g.node('Softmax', [scores], { axis: int(-1) }, `${name}/Softmax`);
  return g.node('MatMul', [w, v], {}, name);
}

const attention: Converter = (g, call) => {
  if (call.config.scoreMode === 'concat') throw new NotExportable(call, 'score_mode "concat"');
  const name = call.layer.name;
  const [q, v, k] = qvk(call);
  let s = g.node('MatMul', [q, g.transpose(k, [0, 2, 1], `${name}/key_T`)], {}, `${name}/scores`);
  const scale = findWeight(call.layer, 'scale');
  if (scale) s = g.node('Mul', [s, g.floatConst(`${name}/scale`, scale.values, [])], {}, `${name}/scaled`);
  return [attend(g, s, v, name)];
};

const additiveAttention: Converter = (g, call) => {
  const name = call.layer.name;
  const [q, v, k] = qvk(call);
  // sum(scale * tanh(q[:, :, None] + k[:, None]), -1)
  const qe = g.node('Unsqueeze', [q, g.int64Const(`${name}/q_axes`, [2])], {}, `${name}/q`);
  const ke = g.node('Unsqueeze', [k, g.int64Const(`${name}/k_axes`, [1])], {}, `${name}/k`);
  let t = g.node('Tanh', [g.node('Add', [qe, ke], {}, `${name}/Add`)], {}, `${name}/Tanh`);
  const scale = findWeight(call.layer, 'scale');
  if (scale) t = g.node('Mul', [t, g.floatConst(`${name}/scale`, scale.values, scale.shape)], {}, `${name}/scaled`);
  const s = g.node('ReduceSum', [t, g.int64Const(`${name}/sum_axes`, [-1])], { keepdims: int(0) }, `${name}/scores`);
  return [attend(g, s, v, name)];
};

/** (N, T, D) → (N, H, T, d) through a (D, H, d) kernel and (H, d) bias. */
function project(g: OnnxGraph, call: LayerCall, x: string, which: 'query' | 'key' | 'value', heads: number, d: number): string {
  const name = `${call.layer.name}/${which}`;
  const k = weight(call.layer, `${which}/kernel`);
  const b = findWeight(call.layer, `${which}/bias`);
  const dim = k.shape[0] ?? 0;
  const y = g.dense(x, g.floatConst(`${name}/kernel`, k.values, [dim, heads * d]), b ? g.floatConst(`${name}/bias`, b.values, [heads * d]) : undefined, name);
  return g.transpose(g.reshape(y, [0, 0, heads, d], `${name}/split_heads`), [0, 2, 1, 3], `${name}/heads_first`);
}

const multiHeadAttention: Converter = (g, call) => {
  const layer = call.layer as unknown as MultiHeadAttention;
  if (layer.attentionMaskInput) throw new NotExportable(call, 'an attention_mask input');
  if (layer.returnAttentionScores) throw new NotExportable(call, 'return_attention_scores=true');
  const name = layer.name;
  const [query, value, key] = call.inputs.length === 1 ? [call.inputs[0] as string, call.inputs[0] as string, call.inputs[0] as string] : qvk(call);
  const H = layer.numHeads;
  const q = project(g, call, query, 'query', H, layer.keyDim);
  const k = project(g, call, key, 'key', H, layer.keyDim);
  const v = project(g, call, value, 'value', H, layer.valueDim);
  const qs = g.node('Mul', [q, g.scalar(`${name}/inv_sqrt_dk`, 1 / Math.sqrt(layer.keyDim))], {}, `${name}/query_scaled`);
  let logits = g.node('MatMul', [qs, g.transpose(k, [0, 1, 3, 2], `${name}/key_T`)], {}, `${name}/logits`);
  if (layer.useCausalMask) {
    const T = call.inputShapes[0]?.[1];
    const S = call.inputShapes[call.inputs.length === 1 ? 0 : 1]?.[1];
    if (typeof T !== 'number' || typeof S !== 'number') throw new NotExportable(call, 'use_causal_mask with sequences of unknown length');
    // Keras: position i attends j <= i; the others get -1e9 added before the softmax.
    const mask = new Float32Array(T * S);
    for (let i = 0; i < T; i++) for (let j = 0; j < S; j++) mask[i * S + j] = j <= i ? 0 : -1e9;
    logits = g.node('Add', [logits, g.floatConst(`${name}/causal_mask`, mask, [T, S])], {}, `${name}/masked`);
  }
  const ctx = attend(g, logits, v, `${name}/context`);
  const merged = g.reshape(g.transpose(ctx, [0, 2, 1, 3], `${name}/heads_last`), [0, 0, H * layer.valueDim], `${name}/merge_heads`);
  const ok = weight(call.layer, 'attention_output/kernel');
  const ob = findWeight(call.layer, 'attention_output/bias');
  const out = ok.shape[2] ?? 0;
  return [g.dense(merged, g.floatConst(`${name}/output/kernel`, ok.values, [H * layer.valueDim, out]), ob ? g.floatConst(`${name}/output/bias`, ob.values, ob.shape) : undefined, name)];
};

export const ATTENTION_CONVERTERS: Record<string, Converter> = {
  Attention: attention,
  AdditiveAttention: additiveAttention,
  MultiHeadAttention: multiHeadAttention,
};
