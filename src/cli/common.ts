/** Options several commands share, declared once so their help text and parsing agree. */
import { Command, Option } from 'commander';
import type { LoadOptions } from '../config/load.js';
import { BACKEND_NAMES } from '../runtime/backend-names.js';
import { Output } from './output.js';

export interface CommonOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
}

export interface ConfigOptions {
  /** `--set path=value`, in the order given (later ones win). */
  set?: string[];
}

export function withOutputOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document on stdout; logs go to stderr')
    .option('-q, --quiet', 'print only errors (and the JSON document with --json)')
    .option('--verbose', 'print more detail: backend and kernels chosen, timings, per-step lines')
    .option('--no-color', 'never colour the output (NO_COLOR is honoured too)');
}

export function withBackendOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--backend <name>', 'TensorFlow.js backend to use').choices(['auto', ...BACKEND_NAMES]).default('auto'),
  );
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** `--set path=value` (repeatable) for every command that reads a config. */
export function withConfigOptions(cmd: Command): Command {
  return cmd.option(
    '--set <path=value>',
    'override a config value, e.g. fit.epochs=3 or model.layers[0].Dense.units=32 (repeatable; value parsed as YAML)',
    collect,
  );
}

/** The config loader's options from a command's parsed options. */
export function configLoadOptions(opts: ConfigOptions): LoadOptions {
  return { sets: opts.set ?? [] };
}

export function outputFor(opts: CommonOptions): Output {
  return new Output({ json: opts.json, quiet: opts.quiet, verbose: opts.verbose, color: opts.color });
}

/** Help text that ends every command's --help: one example a user can paste. */
export function example(...lines: string[]): string {
  return `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/**
 * The backend for commands that only build a model to read its shapes and parameter counts
 * (summary, validate, plot-model): `auto` means the cpu backend, which is ready at once, where the
 * wasm backend first compiles its WebAssembly (most of a second); an explicit --backend is kept.
 */
export function shapeOnlyBackend<T extends string>(choice: T): T | 'cpu' {
  return choice === 'auto' ? 'cpu' : choice;
}
