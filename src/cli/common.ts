/** Options several commands share, declared once so their help text and parsing agree. */
import { Command, Option } from 'commander';
import { BACKEND_NAMES } from '../runtime/backend.js';
import { Output } from './output.js';

export interface CommonOptions {
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

export function withOutputOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document on stdout; logs go to stderr')
    .option('-q, --quiet', 'print only errors (and the JSON document with --json)')
    .option('--no-color', 'never colour the output (NO_COLOR is honoured too)');
}

export function withBackendOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--backend <name>', 'TensorFlow.js backend to use').choices(['auto', ...BACKEND_NAMES]).default('auto'),
  );
}

export function outputFor(opts: CommonOptions): Output {
  return new Output({ json: opts.json, quiet: opts.quiet, color: opts.color });
}

/** Help text that ends every command's --help: one example a user can paste. */
export function example(...lines: string[]): string {
  return `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
