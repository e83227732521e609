/**
 * kerats' own tfjs layers for Keras layers tfjs lacks. Importing this module registers them with
 * tfjs's serialization, so `tf.loadLayersModel` reads models that contain them.
 */
export { MultiHeadAttention, type MultiHeadAttentionArgs } from './multi-head-attention.js';
export { Attention, AdditiveAttention, type AttentionArgs } from './attention.js';
export { LocallyConnected1D, LocallyConnected2D, LOCALLY_CONNECTED_ACTIVATIONS, type LocallyConnectedArgs } from './locally-connected.js';
export { Lambda, escapeExpr, unescapeExpr, type LambdaArgs } from './lambda.js';
export { Normalization, type NormalizationArgs } from './normalization.js';
export { GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, AveragePooling1D } from './pooling.js';
export { Cropping1D, Cropping3D, UpSampling1D, UpSampling3D } from './resampling.js';
export { Conv1DTranspose } from './conv1d-transpose.js';
