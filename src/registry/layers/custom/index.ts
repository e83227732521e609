/**
 * kerats' own tfjs layers for Keras layers tfjs lacks. Importing this module registers them with
 * tfjs's serialization, so `tf.loadLayersModel` reads models that contain them.
 */
export { MultiHeadAttention, type MultiHeadAttentionArgs } from './multi-head-attention.js';
export { Attention, AdditiveAttention, type AttentionArgs } from './attention.js';
export { LocallyConnected1D, LocallyConnected2D, LOCALLY_CONNECTED_ACTIVATIONS, type LocallyConnectedArgs } from './locally-connected.js';
export { Lambda, escapeExpr, unescapeExpr, type LambdaArgs } from './lambda.js';
export { Normalization, type NormalizationArgs } from './normalization.js';
