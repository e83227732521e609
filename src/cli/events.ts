/**
 * `kerats train --events`: one JSON object per line (NDJSON) on stdout while training, for CI and
 * dashboards; human logs go to stderr. Events, in order:
 *   {"event":"train_begin","epochs","steps_per_epoch","batch_size","samples","validation_samples"?,"metrics"}
 *   {"event":"epoch_end","epoch" (1-based),"epochs","seconds","logs":{"loss":..,"val_loss":..}}
 *   {"event":"checkpoint","epoch","path"}            (when a checkpoint is written)
 *   {"event":"early_stop","epoch","reason"}           (when a callback stopped training)
 *   {"event":"done","run_dir",...the train result}    (emitted by the train command)
 *   {"event":"interrupted","signal","exit_code","epoch","batch","run_dir","checkpoint","resume_command"}
 *                                                     (SIGINT/SIGTERM: stopped after a batch, checkpoint saved)
 *   {"event":"error","exit_code","errors":[{"message","file"?,"line"?,"col"?}]}  (the run could not start or failed)
 * Every event also carries "time" (ISO 8601). Non-finite numbers (NaN loss) are written as null.
 */
import type { Logs } from '../registry/callbacks/callbacks-types.js';
import type { ProgressReporter, TrainBeginInfo, TrainResult } from '../runtime/training/types.js';

export type EventSink = (line: string) => void;

/** JSON has no NaN or Infinity: they become null rather than breaking the line. */
function finite(logs: Logs): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(logs)) out[k] = Number.isFinite(v) ? v : null;
  return out;
}

export class EventReporter implements ProgressReporter {
  private lastEpoch = 0;

  constructor(
    private readonly sink: EventSink = (line) => process.stdout.write(line),
    /** Another reporter that gets the same calls (human progress on stderr). */
    private also?: ProgressReporter,
  ) {}

  /** Sets the reporter that gets the same calls (once the config says how verbose it is). */
  alsoReportTo(reporter: ProgressReporter | undefined): void {
    this.also = reporter;
  }

  emit(event: string, fields: Record<string, unknown> = {}): void {
    this.sink(JSON.stringify({ event, time: new Date().toISOString(), ...fields }) + '\n');
  }

  onTrainBegin(info: TrainBeginInfo): void {
    this.emit('train_begin', {
      epochs: info.epochs,
      steps_per_epoch: info.stepsPerEpoch,
      batch_size: info.batchSize,
      samples: info.samples,
      ...(info.validationSamples !== undefined ? { validation_samples: info.validationSamples } : {}),
      metrics: info.logKeys,
    });
    this.also?.onTrainBegin(info);
  }

  onEpochBegin(epoch: number, epochs: number, steps: number): void {
    this.also?.onEpochBegin(epoch, epochs, steps);
  }

  onBatchEnd(step: number, logs: Logs): void {
    this.also?.onBatchEnd(step, logs);
  }

  onEpochEnd(epoch: number, epochs: number, logs: Logs, seconds: number): void {
    this.lastEpoch = epoch;
    this.emit('epoch_end', { epoch, epochs, seconds, logs: finite(logs) });
    this.also?.onEpochEnd(epoch, epochs, logs, seconds);
  }

  /** For checkpoint writers: a checkpoint of `epoch` (1-based) now exists at `path`. */
  onCheckpoint(epoch: number, path: string): void {
    this.emit('checkpoint', { epoch, path });
  }

  onTrainEnd(result: TrainResult): void {
    if (result.stoppedEarly && !result.interrupted) {
      this.emit('early_stop', { epoch: this.lastEpoch, reason: result.stopReason ?? 'a callback stopped training' });
    }
    this.also?.onTrainEnd(result);
  }

  onMessage(text: string): void {
    this.also?.onMessage?.(text);
  }
}
