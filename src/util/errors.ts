/**
 * Errors a user can act on. Anything thrown as a `KeratsError` is printed as its message alone
 * (no stack trace) and exits with its code; any other error is a bug or a runtime failure (exit 1),
 * whose stack is shown only with KERATS_DEBUG=1.
 */
import type { SourceLocation } from '../config/types.js';

/** Documented exit codes (README, "Exit codes"). */
export const ExitCode = {
  ok: 0,
  runtime: 1,
  usage: 2,
  qualityGate: 3,
  interrupted: 130,
  terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** One problem at one place, e.g. `configs/x.yaml:12:7: unknown layer "Dens"; did you mean "Dense"?`. */
export interface Problem {
  message: string;
  loc?: SourceLocation;
}

export function formatLocation(loc: SourceLocation | undefined): string {
  if (loc && loc.line <= 0) return loc.file; // line 0: the command line (`--set fit.epochs=x`), no line:col
  return loc ? `${loc.file}:${loc.line}:${loc.col}` : '';
}

export function formatProblem(p: Problem): string {
  const where = formatLocation(p.loc);
  return where ? `${where}: ${p.message}` : p.message;
}

export class KeratsError extends Error {
  readonly problems: Problem[];
  readonly exitCode: ExitCodeValue;

  constructor(problems: Problem[] | Problem | string, exitCode: ExitCodeValue = ExitCode.usage) {
    const list: Problem[] =
      typeof problems === 'string' ? [{ message: problems }] : Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join('\n'));
    this.name = 'KeratsError';
    this.problems = list;
    this.exitCode = exitCode;
  }
}

/** A config, usage or data error (exit 2). */
export class ConfigError extends KeratsError {
  constructor(problems: Problem[] | Problem | string) {
    super(problems, ExitCode.usage);
    this.name = 'ConfigError';
  }
}

/** Bad input data: a CSV without the label column, a non-numeric cell (exit 2). */
export class DataError extends KeratsError {
  constructor(problems: Problem[] | Problem | string) {
    super(problems, ExitCode.usage);
    this.name = 'DataError';
  }
}
