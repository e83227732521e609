/** TerminateOnNaN (Keras): stops training as soon as a batch's loss is NaN or infinite. */
import type { Callback, Logs, TrainingContext } from './callbacks-types.js';

export class TerminateOnNaN implements Callback {
  readonly name = 'TerminateOnNaN';

  onBatchEnd(batch: number, logs: Logs, ctx: TrainingContext): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      ctx.stopTraining(`TerminateOnNaN: batch ${batch}: invalid loss (${loss}), terminating training`);
    }
  }
}
