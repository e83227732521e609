/** Callbacks under their Keras class names. STUB: the trainer helper owns and completes this file. */
import { Registry } from './registry.js';
import type { RegistryEntry } from './types.js';

export type CallbackEntry = RegistryEntry;

export const callbacks = new Registry<CallbackEntry>('callback');

callbacks.register({
  name: 'EarlyStopping',
  description: 'Stops training when a monitored metric has stopped improving.',
  args: {
    monitor: { schema: { type: 'string' }, description: 'Quantity to be monitored.', default: 'val_loss' },
    patience: { schema: { type: 'integer', minimum: 0 }, description: 'Epochs with no improvement after which training is stopped.', default: 0 },
    restore_best_weights: { schema: { type: 'boolean' }, description: 'Whether to restore the weights of the best epoch.', default: false },
  },
});
