/** The layer registry: every layer kerats offers, under its Keras class name. */
import { Registry } from '../registry.js';
import type { LayerEntry } from '../types.js';
import * as core from './core.js';

export const layers = new Registry<LayerEntry>('layer');

for (const entry of [...Object.values(core)]) layers.register(entry);
