/** Metrics under their Keras names. STUB: the trainer helper owns and completes this file. */
import { Registry } from './registry.js';
import type { RegistryEntry } from './types.js';

export type MetricEntry = RegistryEntry;

export const metrics = new Registry<MetricEntry>('metric');

metrics.register({ name: 'accuracy', aliases: ['acc'], description: 'How often predictions match labels; Keras picks binary, categorical or sparse categorical accuracy from the loss.', args: {} });
