/**
 * CSVLogger (Keras): one row per epoch — `epoch` (0-based, as Keras writes it) then the logged
 * quantities in sorted order — written as each epoch ends, so a killed run keeps its rows.
 *
 * `append: false` (Keras's default) starts the file afresh, `append: true` adds to what is there
 * (keeping its header's columns). A resumed run always continues its own file, whatever `append`
 * says, because its history continues: the logger's checkpointed state records the file's length
 * and rows at the checkpoint, so rows written after it (for an epoch that is trained again) are cut
 * off, and a file that is not there (a BackupAndRestore restart in a new run folder) is written
 * again from the saved rows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Callback, Logs } from './callbacks-types.js';

export interface CSVLoggerOptions {
  /** Absolute path, or relative to `baseDir`. */
  filename: string;
  separator: string;
  append: boolean;
}

/** What a checkpoint keeps of the logger. */
interface CSVLoggerState {
  /** The columns after `epoch` (undefined before the header is written). */
  keys?: string[];
  /** The file's length in bytes when the checkpoint was taken. */
  bytes: number;
  /** The header and the rows this run wrote, to rebuild a file that went missing. */
  lines: string[];
}

function isState(v: unknown): v is CSVLoggerState {
  const s = v as Partial<CSVLoggerState> | null;
  return typeof s === 'object' && s !== null && typeof s.bytes === 'number' && Array.isArray(s.lines);
}

export class CSVLogger implements Callback {
  readonly name = 'CSVLogger';
  private keys: string[] | undefined;
  private readonly file: string;
  /** The header, then the rows written by this run (carried across resumes). */
  private lines: string[] = [];
  /** Set by `setState` before training: this run continues a checkpointed one. */
  private resumed: CSVLoggerState | undefined;

  constructor(private readonly o: CSVLoggerOptions, baseDir: string = process.cwd()) {
    this.file = path.resolve(baseDir, o.filename);
  }

  getState(): CSVLoggerState {
    const bytes = fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
    return { ...(this.keys ? { keys: [...this.keys] } : {}), bytes, lines: [...this.lines] };
  }

  setState(state: unknown): void {
    if (isState(state)) this.resumed = state;
  }

  onTrainBegin(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    if (this.resumed) {
      this.continueFile(this.resumed);
      return;
    }
    this.keys = undefined;
    this.lines = [];
    const hasRows = this.o.append && fs.existsSync(this.file) && fs.statSync(this.file).size > 0;
    if (!this.o.append) fs.writeFileSync(this.file, '');
    // Appending to a file that has a header already: keep its columns and do not repeat it.
    if (hasRows) {
      const header = fs.readFileSync(this.file, 'utf8').split('\n')[0] ?? '';
      this.keys = header.split(this.o.separator).slice(1);
      this.lines = [header];
    }
  }

  /** The file as it was at the checkpoint: cut back to its length then, or rebuilt from the saved rows. */
  private continueFile(s: CSVLoggerState): void {
    this.keys = s.keys ? [...s.keys] : undefined;
    this.lines = [...s.lines];
    const size = fs.existsSync(this.file) ? fs.statSync(this.file).size : -1;
    if (size >= s.bytes) {
      fs.truncateSync(this.file, s.bytes);
      return;
    }
    // Missing or shorter than at the checkpoint (another folder, or edited): write this run's rows again.
    const existing = size > 0 ? fs.readFileSync(this.file, 'utf8') : '';
    const rows = existing.length > 0 ? this.lines.slice(1) : this.lines;
    const sep = existing.length > 0 && !existing.endsWith('\n') ? '\n' : '';
    fs.writeFileSync(this.file, existing + sep + rows.map((l) => l + '\n').join(''));
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const sep = this.o.separator;
    if (!this.keys) {
      this.keys = Object.keys(logs).sort();
      this.write(['epoch', ...this.keys].join(sep));
    }
    const row = [String(epoch), ...this.keys.map((k) => (logs[k] === undefined ? 'NA' : String(logs[k])))];
    this.write(row.join(sep));
  }

  private write(line: string): void {
    this.lines.push(line);
    fs.appendFileSync(this.file, line + '\n');
  }
}
