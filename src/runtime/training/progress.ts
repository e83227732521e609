/**
 * Training progress for people and for CI logs.
 * - On a terminal: a Keras-style bar per epoch, redrawn after every batch
 *   (`Epoch 3/60 [=====>    ] 5/8 - loss: 0.4123 - accuracy: 0.8810`), left on screen with the
 *   epoch's final numbers when the epoch ends.
 * - Elsewhere (pipes, CI): one plain line per epoch, never an ANSI code
 *   (`Epoch 3/60 - 0.4s - loss: 0.4123 - accuracy: 0.8810 - val_loss: 0.3901 - val_accuracy: 0.9000`).
 * Both end with a line saying why training stopped early, if it did, and whose weights were restored.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import cliProgress from 'cli-progress';
import { formatValue, type Logs } from './callbacks-types.js';
import type { ProgressReporter, TrainBeginInfo, TrainResult } from './types.js';

export type { ProgressReporter } from './types.js';

export interface ProgressOptions {
  stream: NodeJS.WritableStream;
  /** Draw a live bar (interactive terminal) instead of one line per epoch. */
  tty: boolean;
  /** Colour the output (only ever with chalk, only when true). */
  color: boolean;
  /** Print nothing at all. */
  quiet?: boolean;
}

/** Keras's bar width. */
const BAR_WIDTH = 30;

/** ` - loss: 0.4123 - accuracy: 0.8810` in the order the logs were written. */
export function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => ` - ${k}: ${formatValue(v)}`)
    .join('');
}

/** `0.4s`, `12s`, `2m05s`. */
export function formatSeconds(s: number): string {
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
}

/** `[=====>    ]`: done part, an arrow head while unfinished, the rest blank. */
export function formatBar(step: number, steps: number, width = BAR_WIDTH): string {
  const done = steps > 0 ? Math.min(width, Math.floor((step / steps) * width)) : width;
  if (done >= width) return `[${'='.repeat(width)}]`;
  const head = done > 0 ? `${'='.repeat(done - 1)}>` : '';
  return `[${head}${' '.repeat(width - head.length)}]`;
}

/** The closing line(s): why training stopped early and which epoch's weights the model holds. */
export function summaryLines(result: TrainResult, epochs: number): string[] {
  const lines: string[] = [];
  // The run's epochs, not this process's: a resumed run continues counting where it stopped.
  const done = (result.initialEpoch ?? 0) + result.epochsCompleted;
  if (result.interrupted) {
    lines.push(`Training interrupted (${result.stopReason ?? 'stop requested'}); ${done} of ${epochs} epochs completed.`);
  } else if (result.stoppedEarly) {
    lines.push(`Stopped early at epoch ${done}/${epochs}: ${result.stopReason ?? 'a callback requested it'}.`);
  }
  if (result.restoredEpoch !== undefined) {
    lines.push(`Restored the model weights from the end of epoch ${result.restoredEpoch} (the best epoch).`);
  }
  return lines;
}

class PlainReporter implements ProgressReporter {
  private epochs = 0;
  private inEpoch = false;
  private readonly pending: string[] = [];
  constructor(private readonly out: NodeJS.WritableStream) {}
  onTrainBegin(info: TrainBeginInfo): void {
    this.epochs = info.epochs;
  }
  onEpochBegin(): void {
    this.inEpoch = true;
  }
  onBatchEnd(): void {}
  onEpochEnd(epoch: number, epochs: number, logs: Logs, seconds: number): void {
    this.out.write(`Epoch ${epoch}/${epochs} - ${formatSeconds(seconds)}${formatLogs(logs)}\n`);
    this.inEpoch = false;
    this.flush();
  }
  onTrainEnd(result: TrainResult): void {
    this.inEpoch = false;
    this.flush();
    for (const line of summaryLines(result, this.epochs)) this.out.write(line + '\n');
  }
  onMessage(text: string): void {
    // Callbacks speak at epoch end, before the epoch's line is printed: hold messages until
    // after it, so they read in order (as in Keras).
    this.pending.push(text);
    if (!this.inEpoch) this.flush();
  }
  private flush(): void {
    for (const t of this.pending.splice(0)) this.out.write(t + '\n');
  }
}

interface BarPayload {
  label: string;
  tail: string;
}

class TerminalReporter implements ProgressReporter {
  private bar: cliProgress.SingleBar | undefined;
  private steps = 0;
  private epochs = 0;
  private readonly pending: string[] = [];
  private readonly c: ChalkInstance;

  constructor(private readonly out: NodeJS.WritableStream, color: boolean) {
    this.c = new Chalk({ level: color ? 1 : 0 });
  }

  onTrainBegin(info: TrainBeginInfo): void {
    this.epochs = info.epochs;
  }

  onEpochBegin(epoch: number, epochs: number, steps: number): void {
    this.steps = steps;
    const c = this.c;
    this.bar = new cliProgress.SingleBar({
      stream: this.out,
      // Our own formatter: Keras's look, and no cli-progress percentage/ETA tokens.
      format: (_o, params, payload: BarPayload) =>
        `${payload.label} ${c.green(formatBar(params.value, params.total))} ${params.value}/${params.total}${payload.tail}`,
      hideCursor: false,
      // The CLI owns SIGINT handling; the bar must not install its own.
      gracefulExit: false,
      linewrap: false,
      noTTYOutput: true,
      notTTYSchedule: 1000,
      fps: 10,
    });
    this.bar.start(steps, 0, { label: c.bold(`Epoch ${epoch}/${epochs}`), tail: '' });
  }

  onBatchEnd(step: number, logs: Logs): void {
    this.bar?.update(step, { tail: formatLogs(logs) });
  }

  onEpochEnd(_epoch: number, _epochs: number, logs: Logs, seconds: number): void {
    this.bar?.update(this.steps, { tail: ` - ${formatSeconds(seconds)}${formatLogs(logs)}` });
    this.bar?.stop();
    this.bar = undefined;
    this.flush();
  }

  onTrainEnd(result: TrainResult): void {
    this.bar?.stop();
    this.bar = undefined;
    this.flush();
    for (const line of summaryLines(result, this.epochs)) this.out.write(this.c.yellow(line) + '\n');
  }

  onMessage(text: string): void {
    // A message while the bar is drawn would be overwritten by its next redraw: hold it.
    this.pending.push(text);
    if (!this.bar) this.flush();
  }

  private flush(): void {
    for (const t of this.pending.splice(0)) this.out.write(t + '\n');
  }
}

class QuietReporter implements ProgressReporter {
  onTrainBegin(): void {}
  onEpochBegin(): void {}
  onBatchEnd(): void {}
  onEpochEnd(): void {}
  onTrainEnd(): void {}
}

export function createProgressReporter(opts: ProgressOptions): ProgressReporter {
  if (opts.quiet) return new QuietReporter();
  return opts.tty ? new TerminalReporter(opts.stream, opts.color) : new PlainReporter(opts.stream);
}
