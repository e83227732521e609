/** The layer registry: every layer kerats offers, under its Keras class name. */
import { Registry } from '../registry.js';
import type { LayerEntry } from '../types.js';
import { setNestedRegistry } from './nested.js';
import * as core from './core.js';
import * as convolution from './convolution.js';
import * as pooling from './pooling.js';
import * as recurrent from './recurrent.js';
import * as embedding from './embedding.js';
import * as normalization from './normalization.js';
import * as regularization from './regularization.js';
import * as reshaping from './reshaping.js';
import * as activation from './activation.js';
import * as preprocessing from './preprocessing.js';
import * as attention from './attention.js';
import * as locallyConnected from './locally-connected.js';
import * as lambda from './lambda.js';
import * as merging from './merging.js';

export const layers = new Registry<LayerEntry>('layer');

for (const entry of Object.values(core)) layers.register(entry);
for (const entry of Object.values(convolution)) layers.register(entry);
for (const entry of Object.values(pooling)) layers.register(entry);
for (const entry of Object.values(recurrent)) layers.register(entry);
for (const entry of Object.values(embedding)) layers.register(entry);
for (const entry of Object.values(normalization)) layers.register(entry);
for (const entry of Object.values(regularization)) layers.register(entry);
for (const entry of Object.values(reshaping)) layers.register(entry);
for (const entry of Object.values(activation)) layers.register(entry);
for (const entry of Object.values(preprocessing)) layers.register(entry);
for (const entry of Object.values(attention)) layers.register(entry);
for (const entry of Object.values(locallyConnected)) layers.register(entry);
for (const entry of Object.values(lambda)) layers.register(entry);
for (const entry of Object.values(merging)) if (typeof entry === 'object') layers.register(entry);

// Wrappers (Bidirectional, TimeDistributed) look their inner layer up here.
setNestedRegistry(layers);
