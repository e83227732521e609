/**
 * What fast-path.cts prints, computed from the real command line: the commander program's help
 * (kept as pieces so the answer still wraps to any terminal width), the completion scripts, the
 * schema and the docs. `npm run build` writes these files to dist/cli-fast/
 * (scripts/build-snapshot.ts); loads the registries (TensorFlow.js).
 */
import type { Command, Help } from 'commander';
import { buildProgram } from './main.js';
import { completionScript } from './completion.js';
import { docsListing, formatEntry } from './docs.js';
import type { RegistrySnapshot } from './registry-snapshot.js';
import { renderHelp, SHELLS, type FastDocsFile, type FastHelp, type FastHelpFile, type HelpPart } from './fast-path.cjs';

/** The help formatted by commander with its width-dependent pieces (wrapped text, items) kept apart. */
function helpParts(cmd: Command): HelpPart[] {
  const helper: Help = cmd.createHelp();
  helper.prepareContext({ helpWidth: 80 });
  const recorded: HelpPart[] = [];
  // A private-use character marks each piece; help text never contains one.
  const token = (p: HelpPart): string => `\uE000${recorded.push(p) - 1}\uE000`;
  helper.boxWrap = (str: string) => token({ wrap: str });
  helper.formatItem = (term: string, termWidth: number, description: string) => token({ item: [term, termWidth, description] });
  const text = helper.formatHelp(cmd, helper);
  // split with a capture group: text, index, text, index, ..., text.
  return text.split(/\uE000(\d+)\uE000/).map((s, i) => (i % 2 === 0 ? s : (recorded[Number(s)] as HelpPart))).filter((p) => p !== '');
}

/** What commander prints for `cmd --help` on a terminal `width` columns wide (undefined: off a terminal, where commander uses 80). */
export function commanderHelpOutput(cmd: Command, width: number | undefined): string {
  let out = '';
  cmd.configureOutput({ writeOut: (s) => (out += s), getOutHelpWidth: () => width ?? 80, getOutHasColors: () => false });
  cmd.outputHelp();
  return out;
}

function fastHelp(cmd: Command): FastHelp {
  const parts = helpParts(cmd);
  const body = renderHelp({ before: '', parts, after: '' }, undefined);
  const full = commanderHelpOutput(cmd, undefined);
  const at = full.indexOf(body);
  if (at < 0) throw new Error(`the help of "${cmd.name()}" is not commander's helpInformation() plus added text`);
  return { before: full.slice(0, at), parts, after: full.slice(at + body.length) };
}

export function fastHelpFile(): FastHelpFile {
  const program = buildProgram();
  const help: Record<string, FastHelp> = { '': fastHelp(program) };
  for (const cmd of program.commands) help[cmd.name()] = fastHelp(cmd);
  return { help };
}

export function fastDocsFile(docs: RegistrySnapshot['docs']): FastDocsFile {
  const list = docsListing(docs);
  const flat = docs.flatMap(({ entries }) => entries);
  const index: Record<string, number[]> = {};
  flat.forEach((e, i) => {
    for (const key of new Set([e.name, ...e.aliases].map((n) => n.toLowerCase()))) (index[key] ??= []).push(i);
  });
  return { list, entries: flat, texts: flat.map(formatEntry), index };
}

/** Every file of dist/cli-fast/, by name. */
export function fastFiles(snapshot: RegistrySnapshot): Record<string, string> {
  const program = buildProgram();
  const files: Record<string, string> = {
    'help.json': JSON.stringify(fastHelpFile()),
    'docs.json': JSON.stringify(fastDocsFile(snapshot.docs)),
    'schema.json': snapshot.schemaText,
  };
  for (const shell of SHELLS) files[`completion-${shell}.txt`] = completionScript(program, shell);
  return files;
}
