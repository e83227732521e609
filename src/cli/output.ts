/**
 * Where each kind of output goes. Human logs go to stdout, except under `--json`, where stdout
 * carries exactly one JSON document and every log line moves to stderr. Colour and progress bars
 * only on a terminal; NO_COLOR turns colour off, FORCE_COLOR turns it on.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  /** Put human logs on stderr even without --json (stdout carries `--events` NDJSON). */
  logsToStderr?: boolean;
}

export function colorWanted(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** The stream human-readable logs and progress go to. */
  readonly logStream: NodeJS.WriteStream;
  readonly tty: boolean;
  readonly color: boolean;
  readonly chalk: ChalkInstance;

  constructor(opts: OutputOptions = {}) {
    this.json = opts.json === true;
    this.quiet = opts.quiet === true;
    this.verbose = opts.verbose === true && !this.quiet;
    this.logStream = this.json || opts.logsToStderr === true ? process.stderr : process.stdout;
    this.tty = this.logStream.isTTY === true;
    this.color = opts.color === false ? false : colorWanted(this.logStream);
    this.chalk = new Chalk({ level: this.color ? 1 : 0 });
  }

  /** A line of human output (suppressed by --quiet). */
  log(line: string): void {
    if (!this.quiet) this.logStream.write(line + '\n');
  }

  /** A detail line, shown only with --verbose (on stderr, so it never mixes with results). */
  detail(line: string): void {
    if (this.verbose) process.stderr.write(this.chalk.dim(line) + '\n');
  }

  /** A warning: always shown, on stderr. */
  warn(line: string): void {
    process.stderr.write(this.chalk.yellow('warning: ') + line + '\n');
  }

  /** The command's result: the JSON document under --json, else the human text. */
  result(value: unknown, human: () => string): void {
    if (this.json) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
    else if (!this.quiet) process.stdout.write(human());
  }
}
