/**
 * Attention layers tfjs-layers lacks, implemented in src/registry/layers/custom: MultiHeadAttention,
 * Attention (Luong) and AdditiveAttention (Bahdanau). Keras's weight shapes, so Keras's parameter
 * counts: MultiHeadAttention(num_heads=H, key_dim=K, value_dim=V) on query dim Dq, key dim Dk,
 * value dim Dv, output dim O (= Dq unless output_shape) has
 *   Dq*H*K + H*K  +  Dk*H*K + H*K  +  Dv*H*V + H*V  +  H*V*O + O   parameters (biases when use_bias).
 */
import { AdditiveAttention as AdditiveAttentionLayer, Attention as AttentionLayer, MultiHeadAttention as MhaLayer } from './custom/index.js';
import type { LayerEntry } from '../types.js';
import { SALT, boolArg, init, initializerArg, posInt } from './args.js';
import { subSeed } from './seed.js';

const dropoutArg = { schema: { type: 'number', minimum: 0, exclusiveMaximum: 1 }, description: 'Dropout rate on the attention weights (training only).', default: 0 };

export const MultiHeadAttention: LayerEntry = {
  name: 'MultiHeadAttention',
  category: 'attention',
  description:
    'Multi-head attention (Vaswani et al.): projects query, key and value into num_heads heads, attends over the sequence and projects back. ' +
    'One input means self-attention; in a functional model call it on [query, value] or [query, value, key].',
  inputShape: '(batch_size, seq_len, features) for query, value and key.',
  outputShape: '(batch_size, query_seq_len, output_shape or query features).',
  args: {
    num_heads: { schema: posInt, description: 'Number of attention heads.', required: true },
    key_dim: { schema: posInt, description: 'Size of each attention head for query and key.', required: true },
    value_dim: { schema: { anyOf: [posInt, { type: 'null' }] }, description: 'Size of each attention head for value; key_dim when null.', default: null },
    dropout: dropoutArg,
    use_bias: boolArg('Whether the dense projections use bias vectors.', true),
    output_shape: {
      schema: { anyOf: [posInt, { type: 'array', items: posInt, minItems: 1, maxItems: 1 }, { type: 'null' }] },
      description: 'Size of the output features; the query\'s last dimension when null.',
      default: null,
    },
    attention_axes: {
      schema: { anyOf: [{ type: 'null' }, { type: 'integer' }, { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 1 }] },
      description: 'Axes over which attention is applied; null means the sequence axis (the only one supported for rank-3 inputs).',
      default: null,
    },
    kernel_initializer: initializerArg('Initializer for the projection kernels.', 'glorot_uniform'),
    bias_initializer: initializerArg('Initializer for the projection biases.', 'zeros'),
    attention_mask: {
      schema: { type: 'string', minLength: 1 },
      description: 'Functional models: the tensor holding Keras\'s attention_mask call argument, by name like `inputs`: shape (batch, query length, key length), 1 = attend, 0 = masked.',
    },
    use_causal_mask: boolArg('Keras\'s call argument: mask every key after the query\'s position (lower-triangular mask), for decoders.', false),
    return_attention_scores: boolArg('Keras\'s call argument: also output the attention scores (batch, num_heads, query length, key length), addressable as NAME[1].', false),
  },
  build(a, common, ctx) {
    return new MhaLayer({
      attentionMaskInput: a.attention_mask !== undefined && a.attention_mask !== null,
      useCausalMask: (a.use_causal_mask as boolean | undefined) ?? false,
      returnAttentionScores: (a.return_attention_scores as boolean | undefined) ?? false,
      ...common,
      numHeads: a.num_heads as number,
      keyDim: a.key_dim as number,
      valueDim: (a.value_dim as number | null | undefined) ?? null,
      dropout: (a.dropout as number | undefined) ?? 0,
      seed: subSeed(ctx.seed, SALT.noise) ?? null,
      useBias: (a.use_bias as boolean | undefined) ?? true,
      outputShape: (a.output_shape as number | number[] | null | undefined) ?? null,
      attentionAxes: (a.attention_axes as number | number[] | null | undefined) ?? null,
      kernelInitializer: init(a, 'kernel_initializer', 'glorot_uniform', ctx.seed, SALT.kernel),
      biasInitializer: init(a, 'bias_initializer', 'zeros', ctx.seed, SALT.bias),
    });
  },
};

export const Attention: LayerEntry = {
  name: 'Attention',
  category: 'attention',
  description:
    'Dot-product (Luong-style) attention: softmax(query · keyᵀ) · value. Call it on [query, value] or [query, value, key] in a functional model.',
  inputShape: 'query (batch_size, Tq, dim), value (batch_size, Tv, dim), optional key (batch_size, Tv, dim).',
  outputShape: '(batch_size, Tq, dim).',
  args: {
    use_scale: boolArg('Learn a scalar that scales the attention scores.', false),
    score_mode: { schema: { enum: ['dot', 'concat'] }, description: '"dot" (query · key) or "concat" (sum of tanh(query + key)).', default: 'dot' },
    dropout: dropoutArg,
  },
  build(a, common, ctx) {
    return new AttentionLayer({
      ...common,
      seed: subSeed(ctx.seed, SALT.noise) ?? null,
      useScale: (a.use_scale as boolean | undefined) ?? false,
      scoreMode: (a.score_mode as 'dot' | 'concat' | undefined) ?? 'dot',
      dropout: (a.dropout as number | undefined) ?? 0,
    });
  },
};

export const AdditiveAttention: LayerEntry = {
  name: 'AdditiveAttention',
  category: 'attention',
  description:
    'Additive (Bahdanau-style) attention: softmax(sum(scale * tanh(query + key))) · value. Call it on [query, value] or [query, value, key].',
  inputShape: 'query (batch_size, Tq, dim), value (batch_size, Tv, dim), optional key (batch_size, Tv, dim).',
  outputShape: '(batch_size, Tq, dim).',
  args: {
    use_scale: boolArg('Learn a per-feature scale vector (dim weights).', true),
    dropout: dropoutArg,
  },
  build(a, common, ctx) {
    return new AdditiveAttentionLayer({ ...common, seed: subSeed(ctx.seed, SALT.noise) ?? null, useScale: (a.use_scale as boolean | undefined) ?? true, dropout: (a.dropout as number | undefined) ?? 0 });
  },
};
