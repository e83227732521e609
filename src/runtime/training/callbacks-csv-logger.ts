/**
 * CSVLogger (Keras): one row per epoch — `epoch` (0-based, as Keras writes it) then the logged
 * quantities in sorted order — written as each epoch ends, so a killed run keeps its rows.
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

export class CSVLogger implements Callback {
  readonly name = 'CSVLogger';
  private keys: string[] | undefined;
  private readonly file: string;

  constructor(private readonly o: CSVLoggerOptions, baseDir: string = process.cwd()) {
    this.file = path.resolve(baseDir, o.filename);
  }

  onTrainBegin(): void {
    this.keys = undefined;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const hasRows = this.o.append && fs.existsSync(this.file) && fs.statSync(this.file).size > 0;
    if (!this.o.append) fs.writeFileSync(this.file, '');
    // Appending to a file that has a header already: keep its columns and do not repeat it.
    if (hasRows) {
      const header = fs.readFileSync(this.file, 'utf8').split('\n')[0] ?? '';
      this.keys = header.split(this.o.separator).slice(1);
    }
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const sep = this.o.separator;
    if (!this.keys) {
      this.keys = Object.keys(logs).sort();
      fs.appendFileSync(this.file, ['epoch', ...this.keys].join(sep) + '\n');
    }
    const row = [String(epoch), ...this.keys.map((k) => (logs[k] === undefined ? 'NA' : String(logs[k])))];
    fs.appendFileSync(this.file, row.join(sep) + '\n');
  }
}
