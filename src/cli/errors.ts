/**
 * Turns anything a command throws into what the user sees and the exit code. A `KeratsError` is
 * the user's to fix: its problems, no stack. Anything else is ours: one line, and the stack only
 * with KERATS_DEBUG=1. Under --json, stdout also gets one JSON document describing the failure:
 *   {"ok": false, "exit_code": 2, "errors": [{"message": "...", "file"?: "...", "line"?: 3, "col"?: 7}]}
 * (`file` without line/col: the command line, e.g. "--set fit.epochs=x").
 * Operating-system errors (disk full, read-only, permissions) are the user's too: util/os-errors.ts
 * words them with the path and the fix.
 */
import { KeratsError, ExitCode, formatLocation, type ExitCodeValue, type Problem } from '../util/errors.js';
import { osUserError } from '../util/os-errors.js';
import type { Output } from './output.js';

export interface ErrorDocument {
  ok: false;
  exit_code: number;
  errors: { message: string; file?: string; line?: number; col?: number }[];
}

export function errorDocument(problems: Problem[], exitCode: number): ErrorDocument {
  return {
    ok: false,
    exit_code: exitCode,
    errors: problems.map((p) => ({
      message: p.message,
      ...(p.loc ? { file: p.loc.file } : {}),
      ...(p.loc && p.loc.line > 0 ? { line: p.loc.line, col: p.loc.col } : {}),
    })),
  };
}

export function reportUsageJson(message: string): void {
  const doc = errorDocument([{ message: message.replace(/^error: /, '') }], ExitCode.usage);
  process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
}

/** A message quoting a 100 MB CSV cell would flood the terminal: keep its start and end. */
export function clipMessage(message: string, max = 1000): string {
  if (message.length <= max) return message;
  const head = message.slice(0, Math.floor(max * 0.6));
  const tail = message.slice(message.length - Math.floor(max * 0.3));
  return `${head}… (${(message.length - head.length - tail.length).toLocaleString('en-US')} characters omitted) …${tail}`;
}

export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.KERATS_DEBUG === '1' || env.KERATS_DEBUG === 'true';
}

export function reportError(thrown: unknown, out: Output): ExitCodeValue {
  // A full disk, a read-only folder, a missing permission: the user's to fix (exit 2), not a bug.
  const err = osUserError(thrown) ?? thrown;
  const debug = debugEnabled();
  const red = (s: string) => out.chalk.red(s);
  if (err instanceof KeratsError) {
    const problems = err.problems.map((p) => ({ ...p, message: clipMessage(p.message) }));
    for (const p of problems) {
      const where = formatLocation(p.loc);
      process.stderr.write(`${where ? where + ': ' : ''}${red('error:')} ${p.message}\n`);
    }
    if (err.problems.length > 1) process.stderr.write(`${err.problems.length} problems\n`);
    if (debug && err.stack) process.stderr.write(err.stack + '\n');
    if (out.json) process.stdout.write(JSON.stringify(errorDocument(problems, err.exitCode), null, 2) + '\n');
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  const first = clipMessage(message.split('\n')[0] ?? '');
  process.stderr.write(`${red('error:')} ${first}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  else process.stderr.write('(this looks like a bug in kerats or a runtime failure; set KERATS_DEBUG=1 to see the stack trace)\n');
  if (out.json) process.stdout.write(JSON.stringify(errorDocument([{ message: first }], ExitCode.runtime), null, 2) + '\n');
  return ExitCode.runtime;
}
