/** Checks shared by callbacks that watch a logged quantity (EarlyStopping, ReduceLROnPlateau). */
import type { SourceLocation } from '../../config/types.js';
import { ConfigError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import type { TrainingContext } from './callbacks-types.js';

/**
 * Fails before the first epoch when `monitor` will never be logged (Keras only warns every epoch
 * and never acts, which in a CI run silently disables the callback).
 */
export function checkMonitor(callback: string, monitor: string, ctx: TrainingContext, loc?: SourceLocation): void {
  if (ctx.logKeys.includes(monitor)) return;
  const noValidation = monitor.startsWith('val_') && !ctx.logKeys.some((k) => k.startsWith('val_'));
  const why = noValidation
    ? ' the run has no validation data (configure a validation split or validation set, or monitor a training quantity such as "loss")'
    : ` it is not logged`;
  throw new ConfigError({
    message:
      `${callback}: monitor "${monitor}" is never available because${why}; ` +
      `logged quantities are ${ctx.logKeys.map((k) => `"${k}"`).join(', ')}${didYouMean(monitor, ctx.logKeys)}`,
    loc,
  });
}

/** Fails before training when a callback would have to set a rate that follows a schedule (Keras fails at the first change). */
export function checkSettableRate(callback: string, ctx: TrainingContext, loc?: SourceLocation): void {
  if (!ctx.learningRateScheduled) return;
  throw new ConfigError({
    message:
      `${callback} changes the learning rate, but the optimizer's learning_rate is a schedule (Keras refuses to set it too); ` +
      `use a number for the optimizer's learning_rate, or drop ${callback}`,
    loc,
  });
}
