/** `kerats completion bash|zsh|fish`: a shell completion script generated from the command definitions. */
import type { Command, Option } from 'commander';
import { ConfigError } from '../util/errors.js';
import { example, outputFor, withOutputOptions, type CommonOptions } from './common.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface OptInfo {
  long?: string;
  short?: string;
  description: string;
  takesValue: boolean;
  choices: string[];
}

interface CmdInfo {
  name: string;
  description: string;
  options: OptInfo[];
}

function optInfo(o: Option): OptInfo {
  return {
    long: o.long,
    short: o.short,
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices ?? [],
  };
}

/** The commands and their options, read from the commander program itself (never out of date). */
export function describeProgram(program: Command): CmdInfo[] {
  return program.commands
    .filter((c) => c.name() !== 'help')
    .map((c) => ({ name: c.name(), description: c.description(), options: [...c.options.map(optInfo), { long: '--help', short: '-h', description: 'show help', takesValue: false, choices: [] }] }));
}

/** Single quotes for shell words: 'it'\''s'. */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

function bash(cmds: CmdInfo[]): string {
  const cases = cmds.map((c) => {
    const words = c.options.flatMap((o) => [o.long, o.short].filter((x): x is string => !!x)).join(' ');
    const choices = c.options
      .filter((o) => o.choices.length > 0)
      .map((o) => `        ${[o.long, o.short].filter(Boolean).join('|')}) COMPREPLY=( $(compgen -W ${sq(o.choices.join(' '))} -- "$cur") ); return ;;`)
      .join('\n');
    return `    ${c.name})\n      opts=${sq(words)}\n      case "$prev" in\n${choices}\n      esac ;;`;
  });
  return `# kerats bash completion. Install: kerats completion bash > ~/.local/share/bash-completion/completions/kerats
_kerats() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" opts=""
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=( $(compgen -W ${sq(['--help', '--version', ...cmds.map((c) => c.name)].join(' '))} -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join('\n')}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o filenames -o bashdefault -F _kerats kerats
`;
}

/** zsh _arguments spec escaping: brackets and colons are syntax there. */
const zq = (s: string) => oneLine(s).replace(/\\/g, '\\\\').replace(/'/g, `'\\''`).replace(/([[\]:])/g, '\\$1');

function zsh(cmds: CmdInfo[]): string {
  const fns = cmds.map((c) => {
    const specs = c.options.map((o) => {
      const names = [o.short, o.long].filter(Boolean) as string[];
      const value = o.takesValue ? (o.choices.length ? `:value:(${o.choices.join(' ')})` : ':value:_files') : '';
      const head = names.length > 1 ? `'(${names.join(' ')})'{${names.join(',')}}'` : `'${names[0] ?? ''}`;
      return `    ${head}[${zq(o.description)}]${value}'`;
    });
    return `_kerats_${c.name.replace(/-/g, '_')}() {\n  _arguments -s \\\n${[...specs, `    '*:file:_files'`].join(' \\\n')}\n}`;
  });
  const list = cmds.map((c) => `    '${c.name}:${zq(c.description)}'`).join('\n');
  return `#compdef kerats
# kerats zsh completion. Install: kerats completion zsh > "\${fpath[1]}/_kerats" (then restart zsh)
${fns.join('\n\n')}

_kerats() {
  local -a commands
  commands=(
${list}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'kerats command' commands
    return
  fi
  local cmd="\${words[2]//-/_}"
  shift words; (( CURRENT-- ))
  (( $+functions[_kerats_$cmd] )) && _kerats_$cmd
}

compdef _kerats kerats
`;
}

function fish(cmds: CmdInfo[]): string {
  const lines = ['# kerats fish completion. Install: kerats completion fish > ~/.config/fish/completions/kerats.fish', 'complete -c kerats -f'];
  for (const c of cmds) lines.push(`complete -c kerats -n __fish_use_subcommand -a ${c.name} -d ${sq(oneLine(c.description))}`);
  for (const c of cmds) {
    for (const o of c.options) {
      const flags = [o.long ? `-l ${o.long.replace(/^--/, '')}` : '', o.short ? `-s ${o.short.replace(/^-/, '')}` : ''].filter(Boolean).join(' ');
      const value = o.takesValue ? (o.choices.length ? ` -x -a ${sq(o.choices.join(' '))}` : ' -r -F') : '';
      lines.push(`complete -c kerats -n '__fish_seen_subcommand_from ${c.name}' ${flags}${value} -d ${sq(oneLine(o.description))}`);
    }
    // Commands with a file argument complete file names.
    lines.push(`complete -c kerats -n '__fish_seen_subcommand_from ${c.name}' -F`);
  }
  return lines.join('\n') + '\n';
}

export function completionScript(program: Command, shell: Shell): string {
  const cmds = describeProgram(program);
  return shell === 'bash' ? bash(cmds) : shell === 'zsh' ? zsh(cmds) : fish(cmds);
}

export function registerCompletion(program: Command): void {
  withOutputOptions(program.command('completion'))
    .argument('<shell>', 'bash, zsh or fish')
    .description('print a shell completion script for kerats commands and options')
    .addHelpText('after', example('kerats completion bash > ~/.local/share/bash-completion/completions/kerats', 'kerats completion fish > ~/.config/fish/completions/kerats.fish'))
    .action((shell: string, opts: CommonOptions) => {
      if (!(SHELLS as readonly string[]).includes(shell)) throw new ConfigError(`unknown shell "${shell}"; choose one of ${SHELLS.join(', ')}`);
      const script = completionScript(program, shell as Shell);
      outputFor(opts).result({ shell, script }, () => script);
    });
}
