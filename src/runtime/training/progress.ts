/**
 * Training progress for people and for CI logs.
 * - On a terminal: `Epoch 3/60`, then a Keras-style live line redrawn as batches finish
 *   (`5/8 [=====>    ] ETA 1s 12ms/step 667 samples/s - loss: 0.4123 - accuracy: 0.8810`), fitted
 *   to the terminal's width, left on screen with the epoch's final numbers when the epoch ends.
 * - Elsewhere (pipes, CI): one complete plain line per epoch, never an ANSI code (`Epoch 3/60 -
 *   0.4s - 50ms/step - 160 samples/s - loss: 0.4123 - accuracy: 0.8810 - val_loss: 0.3901 - val_accuracy: 0.9000`).
 * Both end with a line saying why training stopped early, if it did, and whose weights were restored.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { formatValue, type Logs } from '../../registry/callbacks/callbacks-types.js';
import { fitFinalLines, fitLiveLine, formatRate, formatSeconds, formatThroughput } from './fit-line.js';

export { formatBar, formatSeconds, formatThroughput } from './fit-line.js';
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
  /** Terminal width; the stream's own `columns` (80 when unknown) by default. */
  columns?: number;
}

/** ` - loss: 0.4123 - accuracy: 0.8810` in the order the logs were written. */
export function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => ` - ${k}: ${formatValue(v)}`)
    .join('');
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
  private batchSize = 0;
  private steps = 0;
  private inEpoch = false;
  private readonly pending: string[] = [];
  constructor(private readonly out: NodeJS.WritableStream) {}
  onTrainBegin(info: TrainBeginInfo): void {
    this.epochs = info.epochs;
    this.batchSize = info.batchSize;
  }
  onEpochBegin(): void {
    this.inEpoch = true;
    this.steps = 0;
  }
  onBatchEnd(step: number): void {
    this.steps = step;
  }
  onEpochEnd(epoch: number, epochs: number, logs: Logs, seconds: number): void {
    // Complete, never fitted to a width: logs are read by people and parsers alike.
    const speed = this.steps > 0 ? ` - ${formatRate(seconds / this.steps)}/step - ${formatThroughput((this.steps * this.batchSize) / seconds)}` : '';
    this.out.write(`Epoch ${epoch}/${epochs} - ${formatSeconds(seconds)}${speed}${formatLogs(logs)}\n`);
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

/**
 * The live line on a terminal, Keras's look (`Epoch 3/60` above it):
 *   `12/40 [=======>        ] ETA 3s 12ms/step 667 samples/s - loss: 0.4123 - accuracy: 0.8810`
 * redrawn in place (carriage return, erase to the end of the line) at most 10 times a second, and
 * always fitted to the terminal's width (see fit-line.ts): a line longer than the terminal would
 * wrap and every redraw would add a row. When the epoch ends, its final line replaces it, wrapped
 * onto indented continuation lines rather than cut when the validation numbers do not fit.
 */
class TerminalReporter implements ProgressReporter {
  private steps = 0;
  private epochs = 0;
  private batchSize = 0;
  private samples = 0;
  private live = false;
  private lastDraw = 0;
  /** Time and step of the first batch this process trained in the epoch (ETA and speed come from them). */
  private epochStart = 0;
  private startStep = 0;
  private readonly pending: string[] = [];
  private readonly c: ChalkInstance;

  constructor(private readonly out: NodeJS.WritableStream, color: boolean, private readonly columns: () => number) {
    this.c = new Chalk({ level: color ? 1 : 0 });
  }

  onTrainBegin(info: TrainBeginInfo): void {
    this.epochs = info.epochs;
    this.batchSize = info.batchSize;
    this.samples = info.samples;
  }

  onEpochBegin(epoch: number, epochs: number, steps: number): void {
    this.steps = steps;
    this.epochStart = performance.now();
    this.startStep = -1;
    this.out.write(this.c.bold(`Epoch ${epoch}/${epochs}`) + '\n');
    this.live = true;
    this.lastDraw = 0;
  }

  onBatchEnd(step: number, logs: Logs): void {
    if (this.startStep < 0) {
      // The first batch's time is not known (it ran before this call): measure from its end.
      this.startStep = step;
      this.epochStart = performance.now();
    }
    const now = performance.now();
    if (now - this.lastDraw < 100 && step < this.steps) return;
    this.lastDraw = now;
    const timed = step - this.startStep;
    const perStep = timed > 0 ? (now - this.epochStart) / 1000 / timed : undefined;
    const eta = perStep !== undefined && this.steps > 0 ? Math.max(0, this.steps - step) * perStep : undefined;
    const line = fitLiveLine(
      {
        step,
        steps: this.steps,
        eta,
        perStep,
        throughput: perStep ? this.batchSize / perStep : undefined,
        logs,
      },
      this.columns(),
    );
    this.out.write(`\r${this.colourBar(line)}\u001b[K`);
  }

  onEpochEnd(_epoch: number, _epochs: number, logs: Logs, seconds: number): void {
    const steps = this.steps || Math.max(1, Math.ceil(this.samples / Math.max(1, this.batchSize)));
    const lines = fitFinalLines({ step: steps, steps, seconds, perStep: seconds / steps, logs }, this.columns());
    this.out.write(`\r${lines.map((l) => this.colourBar(l)).join('\u001b[K\n')}\u001b[K\n`);
    this.live = false;
    this.flush();
  }

  onTrainEnd(result: TrainResult): void {
    if (this.live) this.out.write('\n');
    this.live = false;
    this.flush();
    for (const line of summaryLines(result, this.epochs)) this.out.write(this.c.yellow(line) + '\n');
  }

  onMessage(text: string): void {
    // A message while the line is live would be overwritten by its next redraw: hold it.
    this.pending.push(text);
    if (!this.live) this.flush();
  }

  private colourBar(line: string): string {
    return line.replace(/\[[=> ]+\]/, (bar) => this.c.green(bar));
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
  const stream = opts.stream as NodeJS.WritableStream & { columns?: number };
  // Read at every redraw: the terminal may be resized while training.
  const columns = () => opts.columns ?? (stream.columns && stream.columns > 0 ? stream.columns : 80);
  return opts.tty ? new TerminalReporter(opts.stream, opts.color, columns) : new PlainReporter(opts.stream);
}
