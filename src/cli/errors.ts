/**
 * Turns anything a command throws into what the user sees and the exit code. A `KeratsError` is
 * the user's to fix: its problems, no stack. Anything else is ours: one line, and the stack only
 * with KERATS_DEBUG=1.
 */
import { KeratsError, ExitCode, formatLocation, type ExitCodeValue } from '../util/errors.js';
import type { Output } from './output.js';

export function reportError(err: unknown, out: Output): ExitCodeValue {
  const debug = process.env.KERATS_DEBUG === '1' || process.env.KERATS_DEBUG === 'true';
  const red = (s: string) => out.chalk.red(s);
  if (err instanceof KeratsError) {
    for (const p of err.problems) {
      const where = formatLocation(p.loc);
      process.stderr.write(`${where ? where + ': ' : ''}${red('error:')} ${p.message}\n`);
    }
    if (err.problems.length > 1) process.stderr.write(`${err.problems.length} problems\n`);
    if (debug && err.stack) process.stderr.write(err.stack + '\n');
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${red('error:')} ${message.split('\n')[0]}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  else process.stderr.write('(this looks like a bug in kerats or a runtime failure; set KERATS_DEBUG=1 to see the stack trace)\n');
  return ExitCode.runtime;
}
