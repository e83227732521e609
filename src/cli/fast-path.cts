/**
 * The instant answers: `--help` (of every command), `--version`, `schema`, `docs [NAME]` and
 * `completion SHELL` print text that only changes when kerats is rebuilt, so `npm run build`
 * writes it to dist/cli-fast/ (scripts/build-snapshot.ts, from the real commander program and
 * registries) and this file prints it without loading commander's command tree, chalk, or any
 * other module of kerats; `init` writes its template (init-template.cts). It is CommonJS
 * (compiled to fast-path.cjs and required by bin/kerats.js, itself CommonJS) because Node's ES
 * module loader alone costs more than the whole answer.
 *
 * Only the plain forms are answered here (`kerats train --help`, `kerats docs Dense --json`,
 * `kerats init -t cnn cnn.yaml`); anything else (an unknown name, another option, a file that
 * exists, a missing build) returns undefined and the full command line (main.ts) handles it,
 * errors included. test/fast-path.test.ts checks every answer against the full command line's,
 * help at several terminal widths.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Help } from 'commander';
import { initResult, renderTemplate, templateNames } from './init-template.cjs';

/** One piece of a help text: fixed text, or a part commander wraps to the terminal's width. */
export type HelpPart = string | { wrap: string } | { item: [term: string, termWidth: number, description: string] };

export interface FastHelp {
  /** Text commander writes before and after the formatted help (addHelpText). */
  before: string;
  parts: HelpPart[];
  after: string;
}

export interface FastHelpFile {
  /** The help of the program ('') and of each command, by name. */
  help: Record<string, FastHelp>;
}

export interface FastDocsFile {
  /** `kerats docs`: the listing and its --json document. */
  list: { text: string; json: unknown };
  /** Every entry (as `docs NAME --json` prints it) and its human text. */
  entries: unknown[];
  texts: string[];
  /** Lower-cased names and aliases to the entries they match, in catalogue order. */
  index: Record<string, number[]>;
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

/** dist/cli-fast, next to the compiled dist/src/cli/fast-path.cjs. */
export function fastDir(): string {
  return path.join(__dirname, '..', '..', 'cli-fast');
}

function readJson<T>(file: string): T | undefined {
  const f = path.join(fastDir(), file);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as T) : undefined;
}

function readText(file: string): string | undefined {
  const f = path.join(fastDir(), file);
  return existsSync(f) ? readFileSync(f, 'utf8') : undefined;
}

/** Commander's own Help class (its CommonJS file, which loads only its argument helpers). */
function commanderHelp(): Help {
  const dir = path.dirname(require.resolve('commander'));
  // A file inside commander (not in its exports map), so by path; this file is CommonJS, so require().
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Help: HelpClass } = require(path.join(dir, 'lib', 'help.js')) as { Help: new () => Help };
  return new HelpClass();
}

/** The help text at `width` columns, wrapped by commander's own code exactly as it wraps it. */
export function renderHelp(h: FastHelp, width: number | undefined): string {
  const helper = commanderHelp();
  helper.prepareContext({ helpWidth: width });
  const w = helper.helpWidth ?? 80;
  const body = h.parts
    .map((p) => (typeof p === 'string' ? p : 'wrap' in p ? helper.boxWrap(p.wrap, w) : helper.formatItem(p.item[0], p.item[1], p.item[2], helper)))
    .join('');
  return h.before + body + h.after;
}

/** Commander's width: the terminal's columns on a terminal, else its default. */
function outWidth(): number | undefined {
  return process.stdout.isTTY ? process.stdout.columns : undefined;
}

/** Options every command has that change nothing in these commands' output. */
const NEUTRAL = new Set(['--verbose', '--no-color']);

/** The help text `args` asks for (`--help`, `-h`, `help`, `CMD --help`, `help CMD`), if it is one of the plain forms. */
function helpFor(args: string[]): FastHelp | undefined {
  const isHelp = (a: string | undefined) => a === '--help' || a === '-h';
  let name: string | undefined;
  if (args.length === 1 && (isHelp(args[0]) || args[0] === 'help')) name = '';
  else if (args.length === 2 && isHelp(args[1]) && !args[0]?.startsWith('-')) name = args[0];
  else if (args.length === 2 && args[0] === 'help' && !args[1]?.startsWith('-')) name = args[1];
  if (name === undefined || name === 'help') return undefined;
  const file = readJson<FastHelpFile>('help.json');
  return file && Object.hasOwn(file.help, name) ? file.help[name] : undefined;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function docs(args: string[]): string | undefined {
  const flags = args.filter((a) => a.startsWith('-'));
  const names = args.filter((a) => !a.startsWith('-'));
  if (names.length > 1 || !flags.every((f) => f === '--json' || NEUTRAL.has(f))) return undefined;
  const json = flags.includes('--json');
  const file = readJson<FastDocsFile>('docs.json');
  if (!file) return undefined;
  const name = names[0];
  if (name === undefined) return json ? JSON.stringify(file.list.json, null, 2) + '\n' : file.list.text;
  // Not found: the full command explains it, with the names it might mean.
  const found = Object.hasOwn(file.index, name.toLowerCase()) ? file.index[name.toLowerCase()] : undefined;
  if (!found) return undefined;
  return json ? JSON.stringify({ entries: found.map((i) => file.entries[i]) }, null, 2) + '\n' : found.map((i) => file.texts[i]).join('\n');
}

/** `kerats init [FILE] [-t NAME] [-f]`: writes the template as init.ts does (temporary file, then rename). */
function init(args: string[]): string | undefined {
  let file: string | undefined;
  let template = 'mlp';
  let force = false;
  let json = false;
  let quiet = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '-f' || a === '--force') force = true;
    else if (a === '--json') json = true;
    else if (a === '-q' || a === '--quiet') quiet = true;
    else if (a === '-t' || a === '--template') template = args[++i] ?? '';
    else if (a.startsWith('--template=')) template = a.slice('--template='.length);
    else if (NEUTRAL.has(a)) continue;
    else if (a.startsWith('-') || a === '' || file !== undefined) return undefined;
    else file = a;
  }
  file ??= 'kerats.yaml';
  // An unknown template or a file in the way: the full command says so.
  if (!templateNames().includes(template) || (existsSync(file) && !force)) return undefined;
  const target = path.resolve(file);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, renderTemplate(template, file));
    renameSync(tmp, target);
  } catch {
    rmSync(tmp, { force: true });
    return undefined; // the full command reports why it cannot write there
  }
  const result = initResult(file, template);
  return json ? JSON.stringify(result.json, null, 2) + '\n' : quiet ? '' : result.text;
}

/**
 * The answer to `args` (the words after `kerats`), or undefined when the full command line must
 * answer. `init` has done its work when it answers.
 */
export function fastAnswer(args: string[]): string | undefined {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) return version() + '\n';
  const help = helpFor(args);
  if (help) return renderHelp(help, outWidth());
  const [cmd, ...rest] = args;
  if (cmd === 'schema' && rest.every((a) => a === '--json' || a === '-q' || a === '--quiet' || NEUTRAL.has(a))) return readText('schema.json');
  if (cmd === 'docs') return docs(rest);
  if (cmd === 'init') return init(rest);
  if (cmd === 'completion' && rest.length === 1 && (SHELLS as readonly string[]).includes(rest[0] ?? '')) return readText(`completion-${rest[0] ?? ''}.txt`);
  return undefined;
}

/** Prints the answer and returns true, or returns false for main.ts to handle the command. */
export function tryFastPath(args: string[]): boolean {
  const text = fastAnswer(args);
  if (text === undefined) return false;
  process.stdout.write(text);
  return true;
}
